package bench

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/telechan/telechan/internal/test/linkemu"
	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/bin"
	"github.com/telechan/telechan/rch/mpsc"
	"github.com/telechan/telechan/rch/watch"
	"github.com/telechan/telechan/rfn"
)

// The figures of resumable sessions (issue 14): what the layer costs, how
// soon a session is back after the link, and an outage soak on 4G.

func resumeSteps() []measurement {
	var ms []measurement
	for _, f := range []struct {
		name string
		run  func(ctx context.Context, cfg Config, o *mux.Options) (Result, error)
	}{{"bulk", resumeBulk}, {"calls", resumeCalls}} {
		for _, on := range []bool{true, false} {
			o, state := (*mux.Options)(nil), "on"
			if !on {
				o, state = noResume, "off"
			}
			ms = append(ms, measurement{name: "resume/" + f.name + "/" + state, group: "resume/" + f.name, repeat: true,
				run: func(ctx context.Context, cfg Config) ([]Result, error) {
					r, err := f.run(ctx, cfg, o)
					r.Name = fmt.Sprintf(r.Name, state)
					return []Result{r}, err
				}})
		}
	}
	return append(ms,
		measurement{name: "resume/latency", run: resumeLatency},
		measurement{name: "resume/soak", run: resumeSoak})
}

// resumeBulk is the client→server bulk figure with mux options o: with
// resumption (nil, the default) and without, interleaved in one group,
// they give the layer's overhead.
func resumeBulk(ctx context.Context, cfg Config, o *mux.Options) (Result, error) {
	pp, err := telechanBulkWith(ctx, lan, C2S, o)
	if err != nil {
		return Result{}, err
	}
	v, err := measureBulk(ctx, cfg, pp)
	return Result{"resume.lan.bulk.%s.mbps", v, unitMbps, nil}, err
}

// resumeCalls is the one-at-a-time call rate with mux options o.
func resumeCalls(ctx context.Context, cfg Config, o *mux.Options) (Result, error) {
	cl, err := telechanCallerWith(ctx, lan, o)
	if err != nil {
		return Result{}, err
	}
	v, err := measureRate(ctx, cfg, cl, 1) // closes cl
	return Result{"resume.lan.calls.%s.rate", v, unitRate, nil}, err
}

// resumeLatency takes the link down for a second, several times, and
// measures from the moment it is back to the first byte the server wrote
// meanwhile reaching the client's stream: the redialer's wait for its next
// attempt, then the dial, the handshake and the replay. It reports both
// the whole and the part after the successful dial started.
func resumeLatency(ctx context.Context, cfg Config) ([]Result, error) {
	var out []Result
	for _, l := range []struct {
		name string
		p    linkemu.Profile
	}{{"lan", lan}, {"4g", fourG}} {
		var whole, afterDial []float64
		for range max(cfg.Runs, 1) * 2 {
			w, a, err := oneResume(ctx, l.p)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", l.name, err)
			}
			whole, afterDial = append(whole, ms(w)), append(afterDial, ms(a))
		}
		out = append(out,
			Result{"resume." + l.name + ".latency.ms", median(whole), unitMs, nil},
			Result{"resume." + l.name + ".latency.max.ms", slices.Max(whole), unitMs, nil},
			Result{"resume." + l.name + ".fromdial.ms", median(afterDial), unitMs, nil})
	}
	return out, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// oneResume runs one outage and returns the two latencies.
func oneResume(ctx context.Context, p linkemu.Profile) (whole, fromDial time.Duration, err error) {
	sw := &linkSwitch{}
	tp, err := dialTelechanWith(ctx, p, nil, sw)
	if err != nil {
		return 0, 0, err
	}
	defer tp.close()
	sctx, cancel := context.WithTimeout(ctx, setupTimeout)
	defer cancel()
	st, err := tp.server.Open(sctx)
	if err != nil {
		return 0, 0, err
	}
	st.Write([]byte{1})
	cst, err := tp.client.Accept(sctx)
	if err != nil {
		return 0, 0, err
	}
	var b [1]byte
	if _, err := io.ReadFull(cst, b[:]); err != nil {
		return 0, 0, err
	}
	sw.setDown(true)
	if _, err := st.Write([]byte{2}); err != nil { // waits in the replay buffer
		return 0, 0, err
	}
	time.Sleep(time.Second) // the outage
	back := time.Now()
	sw.setDown(false)
	if _, err := io.ReadFull(cst, b[:]); err != nil {
		return 0, 0, err
	}
	arrived := time.Now()
	dial := sw.lastDialled()
	if dial.Before(back) {
		dial = back
	}
	return arrived.Sub(back), arrived.Sub(dial), nil
}

// soakConfig sizes the outage soak.
type soakConfig struct {
	total, every, outage time.Duration
}

func soakFor(cfg Config) soakConfig {
	switch {
	case cfg.Runs >= 3:
		return soakConfig{2 * time.Minute, 20 * time.Second, 5 * time.Second}
	case cfg.Window >= 300*time.Millisecond:
		return soakConfig{30 * time.Second, 10 * time.Second, 2 * time.Second}
	}
	return soakConfig{3 * time.Second, 1500 * time.Millisecond, 300 * time.Millisecond}
}

// Soak is what the soak's server sends its client: every kind of channel
// it checks, and a function to call.
type Soak struct {
	Bulk   *bin.Writer          `json:"bulk"`
	Up     *mpsc.Sender[int]    `json:"up"`
	Down   *mpsc.Receiver[int]  `json:"down"`
	Status *watch.Receiver[int] `json:"status"`
	Echo   *rfn.Func[int, int]  `json:"echo"`
}

// resumeSoak runs, on the 4G link, a bulk upload, an mpsc each way, a
// watch and calls, while the link goes down for outage every every, for
// total; then checks that every byte and item arrived once, in order, and
// reports the calls' p99 outside the outages, and goroutines and heap
// before and after.
func resumeSoak(ctx context.Context, cfg Config) ([]Result, error) {
	sc := soakFor(cfg)
	g0, h0 := settledRuntime()
	sw := &linkSwitch{}
	tp, err := dialTelechanWith(ctx, fourG, nil, sw)
	if err != nil {
		return nil, err
	}
	cb, sb, err := bases[struct{}, Soak](ctx, tp)
	if err != nil {
		tp.close()
		return nil, err
	}
	res, err := soak(ctx, sc, sw, cb, sb)
	cb.Close()
	sb.Close()
	tp.close()
	if err != nil {
		return nil, err
	}
	g1, h1 := settledRuntime()
	return append(res,
		Result{"resume.soak.goroutines.delta", float64(g1 - g0), unitCount, nil},
		Result{"resume.soak.heap.delta", float64(h1 - h0), unitBytes, nil}), nil
}

// settledRuntime returns the goroutines and live heap once the runtime
// has settled.
func settledRuntime() (int, int64) {
	time.Sleep(200 * time.Millisecond) // let goroutines of what closed end
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return runtime.NumGoroutine(), int64(m.HeapAlloc)
}

func soak(ctx context.Context, sc soakConfig, sw *linkSwitch, cb *rch.Base[struct{}, Soak], sb *rch.Base[Soak, struct{}]) ([]Result, error) {
	ctx, cancel := context.WithTimeout(ctx, sc.total+time.Minute)
	defer cancel()
	bw, br := bin.New()
	upTx, upRx := mpsc.New[int](16)
	downTx, downRx := mpsc.New[int](16)
	stTx, stRx := watch.New(0)
	echo := rfn.New(func(_ context.Context, n int) (int, error) { return n, nil }, nil)
	if err := sb.Send(ctx, Soak{Bulk: bw, Up: upTx, Down: downRx, Status: stRx, Echo: echo}); err != nil {
		return nil, err
	}
	s, err := cb.Recv(ctx)
	if err != nil {
		return nil, err
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var outage atomic.Bool
	errs := make(chan error, 16)
	fail := func(err error) {
		select {
		case errs <- err:
		default:
		}
	}
	// The outages.
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(sc.every)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			outage.Store(true)
			sw.setDown(true)
			time.Sleep(sc.outage)
			sw.setDown(false)
			outage.Store(false)
		}
	}()
	// The bulk: the client uploads pseudo-random bytes; the server hashes.
	var sent int64
	sum := sha256.New()
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer s.Bulk.Close()
		r := rand.New(rand.NewPCG(1, 2))
		buf := make([]byte, 32<<10)
		for {
			select {
			case <-stop:
				return
			default:
			}
			for i := range buf {
				buf[i] = byte(r.Uint32())
			}
			if _, err := s.Bulk.WriteContext(ctx, buf); err != nil {
				fail(fmt.Errorf("bulk write: %w", err))
				return
			}
			sum.Write(buf)
			sent += int64(len(buf))
		}
	}()
	var received int64
	got := sha256.New()
	go func() {
		defer wg.Done()
		n, err := io.Copy(got, br)
		received = n
		if err != nil {
			fail(fmt.Errorf("bulk read: %w", err))
		}
	}()
	// An mpsc each way, numbered; a watch; calls, timed.
	var upSent, downSent, upGot, downGot atomic.Int64
	var callsMu sync.Mutex
	var calm []float64
	var callErrs int
	wg.Add(5)
	go func() { // up: client → server
		defer wg.Done()
		defer s.Up.Close()
		for i := 1; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if err := s.Up.Send(ctx, i); err != nil {
				fail(fmt.Errorf("up: %w", err))
				return
			}
			upSent.Store(int64(i))
		}
	}()
	go func() { // down: server → client
		defer wg.Done()
		defer downTx.Close()
		for i := 1; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if err := downTx.Send(ctx, i); err != nil {
				fail(fmt.Errorf("down: %w", err))
				return
			}
			stTx.Send(i)
			downSent.Store(int64(i))
		}
	}()
	checkSeq := func(name string, recv func(context.Context) (int, error), count *atomic.Int64) {
		defer wg.Done()
		for want := 1; ; want++ {
			v, err := recv(ctx)
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				fail(fmt.Errorf("%s: %w", name, err))
				return
			}
			if v != want {
				fail(fmt.Errorf("%s: item %d where %d was due", name, v, want))
				return
			}
			count.Store(int64(v))
		}
	}
	go checkSeq("up", upRx.Recv, &upGot)
	go checkSeq("down", s.Down.Recv, &downGot)
	go func() { // calls every 50 ms, timed when no outage overlaps
		defer wg.Done()
		defer s.Echo.Close()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			calm0 := !outage.Load()
			start := time.Now()
			n, err := s.Echo.Call(ctx, i)
			d := time.Since(start)
			callsMu.Lock()
			if err != nil || n != i {
				callErrs++
			} else if calm0 && !outage.Load() && d < sc.outage/2 {
				calm = append(calm, ms(d))
			}
			callsMu.Unlock()
		}
	}()
	select {
	case <-time.After(sc.total):
	case err := <-errs:
		close(stop)
		wg.Wait()
		return nil, err
	}
	close(stop)
	wg.Wait()
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	lastStatus, _ := s.Status.Get()
	ok := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	exact := received == sent && [32]byte(got.Sum(nil)) == [32]byte(sum.Sum(nil))
	items := upGot.Load() == upSent.Load() && downGot.Load() == downSent.Load()
	echo.Close()
	slices.Sort(calm)
	p99 := 0.0
	if len(calm) > 0 {
		p99 = calm[len(calm)*99/100]
	}
	return []Result{
		{"resume.soak.bulk.bytes", float64(received), unitBytes, nil},
		{"resume.soak.bulk.exact", ok(exact), "bool", nil},
		{"resume.soak.items.exact", ok(items), "bool", nil},
		{"resume.soak.items", float64(upGot.Load() + downGot.Load()), "items", nil},
		{"resume.soak.watch.last", float64(lastStatus), "value", nil},
		{"resume.soak.calls.p99.ms", p99, unitMs, nil},
		{"resume.soak.calls.failed", float64(callErrs), "calls", nil},
	}, nil
}
