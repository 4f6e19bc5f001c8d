package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// msgSize is the size of each write of every bulk transfer, telechan and
// peers alike.
const msgSize = 64 << 10

// Dir is the direction of a bulk transfer.
type Dir string

// The two directions: the WebSocket (or TCP, or gRPC) client writes, or
// the server does.
const (
	C2S Dir = "c2s"
	S2C Dir = "s2c"
)

// pipe is one direction of a bulk transfer, set up by a peer: write sends
// p from the writing end, read takes whatever arrived next at the reading
// end and says how many bytes that was. close tears everything down, makes
// blocked writes and reads return, and waits for the peer's goroutines.
type pipe struct {
	write func(p []byte) error
	read  func() (int, error)
	close func()
}

// flow runs a pipe flat out: one goroutine writes msgSize buffers, one
// reads and counts.
type flow struct {
	p        pipe
	received atomic.Int64
	stopping atomic.Bool
	wg       sync.WaitGroup
	mu       sync.Mutex
	err      error // the first error before stop; guarded by mu
}

func startFlow(p pipe) *flow {
	f := &flow{p: p}
	f.wg.Add(2)
	go f.writeLoop()
	go f.readLoop()
	return f
}

func (f *flow) writeLoop() {
	defer f.wg.Done()
	buf := make([]byte, msgSize)
	for i := range buf {
		buf[i] = byte(i * 7) // not all zeros, in case anything compresses
	}
	for !f.stopping.Load() {
		if err := f.p.write(buf); err != nil {
			f.fail(err)
			return
		}
	}
}

func (f *flow) readLoop() {
	defer f.wg.Done()
	for {
		n, err := f.p.read()
		f.received.Add(int64(n))
		if err != nil {
			f.fail(err)
			return
		}
	}
}

// fail records err unless the flow is being stopped, when errors are
// expected.
func (f *flow) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil && !f.stopping.Load() {
		f.err = err
	}
}

// failed returns the first error seen so far, if any.
func (f *flow) failed() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// stop closes the pipe, waits for both loops and returns the first error
// seen before stop, if any.
func (f *flow) stop() error {
	f.mu.Lock()
	f.stopping.Store(true)
	err := f.err
	f.mu.Unlock()
	f.p.close()
	f.wg.Wait()
	return err
}

// meter samples a flow's byte count: mbps since the last mark.
type meter struct {
	f     *flow
	bytes int64
	at    time.Time
}

func (f *flow) meter() meter { return meter{f, f.received.Load(), time.Now()} }

// mbps returns the rate since m was taken, in Mbit/s.
func (m meter) mbps() float64 {
	n, d := m.f.received.Load()-m.bytes, time.Since(m.at)
	return float64(n) * 8 / d.Seconds() / 1e6
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// measureBulk runs p for cfg.Warmup, then measures for cfg.Window and
// returns the rate in Mbit/s.
func measureBulk(ctx context.Context, cfg Config, p pipe) (float64, error) {
	f := startFlow(p)
	if err := sleep(ctx, cfg.Warmup); err != nil {
		return 0, joinStop(err, f)
	}
	m := f.meter()
	err := sleep(ctx, cfg.Window)
	rate := m.mbps()
	if err := joinStop(err, f); err != nil {
		return 0, err
	}
	return rate, nil
}

// joinStop stops f and returns err, or f's error if err is nil.
func joinStop(err error, f *flow) error {
	if ferr := f.stop(); err == nil {
		err = ferr
	}
	return err
}
