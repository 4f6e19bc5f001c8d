package faults_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/telechan/telechan/internal/test/faulttest"
	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/bin"
	"github.com/telechan/telechan/rch/broadcast"
	"github.com/telechan/telechan/rch/mpsc"
	"github.com/telechan/telechan/rch/oneshot"
	"github.com/telechan/telechan/rch/watch"
	"github.com/telechan/telechan/rfn"
)

// Job is what the client sends the server: each scenario fills the fields
// of its kind, keeps the other halves and works them while the connection
// is cut under both.
type Job struct {
	MpscTx  *mpsc.Sender[int]                    `json:"mpsc_tx,omitempty" cbor:"mpsc_tx,omitempty"`
	MpscRx  *mpsc.Receiver[int]                  `json:"mpsc_rx,omitempty" cbor:"mpsc_rx,omitempty"`
	OnceTx  *oneshot.Sender[string]              `json:"once_tx,omitempty" cbor:"once_tx,omitempty"`
	OnceRx  *oneshot.Receiver[string]            `json:"once_rx,omitempty" cbor:"once_rx,omitempty"`
	WatchTx *watch.Sender[int]                   `json:"watch_tx,omitempty" cbor:"watch_tx,omitempty"`
	WatchRx *watch.Receiver[int]                 `json:"watch_rx,omitempty" cbor:"watch_rx,omitempty"`
	BcastTx *broadcast.Sender[int]               `json:"bcast_tx,omitempty" cbor:"bcast_tx,omitempty"`
	BcastRx *broadcast.Receiver[int]             `json:"bcast_rx,omitempty" cbor:"bcast_rx,omitempty"`
	BinW    *bin.Writer                          `json:"bin_w,omitempty" cbor:"bin_w,omitempty"`
	BinR    *bin.Reader                          `json:"bin_r,omitempty" cbor:"bin_r,omitempty"`
	Fn      *rfn.Func[int, int]                  `json:"fn,omitempty" cbor:"fn,omitempty"`
	FnBack  *oneshot.Sender[*rfn.Func[int, int]] `json:"fn_back,omitempty" cbor:"fn_back,omitempty"`
}

const (
	nItems   = 60       // values per mpsc, watch and broadcast run
	nCalls   = 12       // calls per rfn run
	binBytes = 48 << 10 // bytes per bin run
)

// scenario is one channel kind in one direction. client fills the job and
// returns the function that works the halves it kept; server works the
// halves it got. Each returns nil, or an error for what went wrong; a run
// that got everything through reports complete.
type scenario struct {
	name   string
	client func(j *Job) func(ctx context.Context) (complete bool, err error)
	server func(ctx context.Context, j Job) error
}

var scenarios = []scenario{
	{"mpsc/recv", mpscRecvClient, mpscRecvServer},
	{"mpsc/send", mpscSendClient, mpscSendServer},
	{"oneshot/recv", onceRecvClient, onceRecvServer},
	{"oneshot/send", onceSendClient, onceSendServer},
	{"watch/recv", watchRecvClient, watchRecvServer},
	{"watch/send", watchSendClient, watchSendServer},
	{"broadcast/recv", bcastRecvClient, bcastRecvServer},
	{"broadcast/send", bcastSendClient, bcastSendServer},
	{"bin/read", binReadClient, binReadServer},
	{"bin/write", binWriteClient, binWriteServer},
	{"rfn/serve", fnServeClient, fnServeServer},
	{"rfn/call", fnCallClient, fnCallServer},
}

// TestCutEveryKind cuts the connection after N bytes, for N from the first
// byte of the handshake to past the end of a full run, in every channel kind
// both ways and for remote calls both ways. Every blocked call on either
// side must end with an error matching rch.ErrDisconnected (never a clean
// end for a cut stream, never a hang), and no goroutine may be left.
func TestCutEveryKind(t *testing.T) {
	var runs, cuts int
	start := time.Now()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			full, ok := runCut(t, sc, 0)
			if !ok {
				t.Fatalf("an uncut run did not complete")
			}
			var completed int
			for _, n := range cutPoints(full) {
				runs++
				if _, ok := runCut(t, sc, n); ok {
					completed++
				} else {
					cuts++
				}
				if t.Failed() {
					t.Fatalf("cut after %d of %d bytes", n, full)
				}
			}
			t.Logf("%d bytes in a full run; %d cut points, %d runs completed anyway", full, len(cutPoints(full)), completed)
		})
	}
	t.Logf("%d runs (%d cut short) in %v", runs, cuts, time.Since(start))
	goleak.VerifyNone(t)
}

// cutPoints spreads cut points over a run of full bytes: every byte of the
// first few (the handshake), then geometrically, then evenly, then past the
// end.
func cutPoints(full int64) []int64 {
	var ns []int64
	for n := int64(1); n <= 64; n += 2 {
		ns = append(ns, n)
	}
	for n := int64(64); n < full; n = n * 5 / 4 {
		ns = append(ns, n)
	}
	for i := int64(1); i < 16; i++ {
		ns = append(ns, full*i/16)
	}
	ns = append(ns, full-1, full+64)
	slices.Sort(ns)
	return slices.Compact(ns)
}

// runCut runs sc over a connection cut after limit bytes (never, if 0) and
// returns the bytes written and whether the run completed.
func runCut(t *testing.T, sc scenario, limit int64) (int64, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	k := faulttest.NewCut(limit)
	cs, ss := faulttest.CutPair(t, k, nil)
	srv := make(chan error, 1)
	go func() { srv <- serverSide(ctx, ss, sc) }()

	complete, err := clientSide(ctx, cs, sc)
	if err != nil && !errors.Is(err, errCut) {
		t.Errorf("client: %v", err)
	}
	serr := <-srv
	if serr != nil && !errors.Is(serr, errCut) {
		t.Errorf("server: %v", serr)
	}
	if limit == 0 && (!complete || err != nil || serr != nil) {
		t.Errorf("an uncut run failed: client %v (complete %v), server %v", err, complete, serr)
	}
	return k.Written(), complete && !k.Fired()
}

func clientSide(ctx context.Context, cs *mux.Session, sc scenario) (bool, error) {
	base, err := rch.Connect[Job, struct{}](ctx, cs, nil)
	if err != nil {
		return false, lost("Connect", err)
	}
	defer base.Close()
	var j Job
	work := sc.client(&j)
	if err := base.Send(ctx, j); err != nil {
		return false, lost("Send job", err)
	}
	complete, err := work(ctx)
	if err != nil {
		return false, err
	}
	// The server ends its direction once its part is done; only then may
	// the client hang up.
	if _, err := base.Recv(ctx); !errors.Is(err, io.EOF) {
		return false, lost("Recv the server's end", err)
	}
	return complete, nil
}

func serverSide(ctx context.Context, ss *mux.Session, sc scenario) error {
	base, err := rch.Connect[struct{}, Job](ctx, ss, nil)
	if err != nil {
		return lost("Connect", err)
	}
	defer base.Close()
	j, err := base.Recv(ctx)
	if err != nil {
		return lost("Recv job", err)
	}
	err = sc.server(ctx, j)
	if cerr := base.CloseSend(); cerr != nil && err == nil {
		err = lost("CloseSend", cerr)
	}
	// Stay until the client hangs up.
	if _, rerr := base.Recv(ctx); !errors.Is(rerr, io.EOF) && lost("Recv after the job", rerr) != errCut {
		return lost("Recv after the job", rerr)
	}
	return err
}

// errCut is what lost returns for an error that rightly says the
// connection was lost: the run was cut short, as it may be.
var errCut = errors.New("cut short")

// lost returns nil for nil, errCut if err says the connection was lost, and
// otherwise an error saying what went wrong. A deadline means something
// hung.
func lost(what string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s hung: %w", what, err)
	case errors.Is(err, rch.ErrDisconnected), errors.Is(err, mux.ErrLost):
		return errCut
	}
	return fmt.Errorf("%s: %w; want an error matching rch.ErrDisconnected", what, err)
}

// inOrder checks that got is 0, 1, 2, … and, if the channel ended cleanly
// (err is io.EOF), that it holds all n values.
func inOrder(what string, got []int, n int, err error) (bool, error) {
	for i, v := range got {
		if v != i {
			return false, fmt.Errorf("%s: value %d is %d", what, i, v)
		}
	}
	if errors.Is(err, io.EOF) {
		if len(got) != n {
			return false, fmt.Errorf("%s ended cleanly after %d of %d values", what, len(got), n)
		}
		return true, nil
	}
	return false, lost(what, err)
}

func mpscRecvClient(j *Job) func(context.Context) (bool, error) {
	tx, rx := mpsc.New[int](4)
	j.MpscTx = tx
	return func(ctx context.Context) (bool, error) {
		got, err := collect(ctx, rx.Recv)
		return inOrder("mpsc Recv", got, nItems, err)
	}
}

func mpscRecvServer(ctx context.Context, j Job) error {
	defer j.MpscTx.Close()
	for i := range nItems {
		if err := j.MpscTx.Send(ctx, i); err != nil {
			return lost("mpsc Send", err)
		}
	}
	return nil
}

func mpscSendClient(j *Job) func(context.Context) (bool, error) {
	tx, rx := mpsc.New[int](2)
	j.MpscRx = rx
	return func(ctx context.Context) (bool, error) {
		defer tx.Close()
		for i := range nItems {
			if err := tx.Send(ctx, i); err != nil {
				return false, lost("mpsc Send", err)
			}
		}
		return true, nil
	}
}

func mpscSendServer(ctx context.Context, j Job) error {
	got, err := collect(ctx, j.MpscRx.Recv)
	_, err = inOrder("mpsc Recv", got, nItems, err)
	return err
}

func onceRecvClient(j *Job) func(context.Context) (bool, error) {
	tx, rx := oneshot.New[string]()
	j.OnceTx = tx
	return func(ctx context.Context) (bool, error) {
		v, err := rx.Recv(ctx)
		if err != nil {
			return false, lost("oneshot Recv", err)
		}
		if v != "done" {
			return false, fmt.Errorf("oneshot Recv: %q", v)
		}
		return true, nil
	}
}

func onceRecvServer(ctx context.Context, j Job) error {
	return lost("oneshot Send", j.OnceTx.Send("done"))
}

func onceSendClient(j *Job) func(context.Context) (bool, error) {
	tx, rx := oneshot.New[string]()
	j.OnceRx = rx
	return func(ctx context.Context) (bool, error) {
		if err := tx.Send("done"); err != nil {
			return false, lost("oneshot Send", err)
		}
		return true, nil
	}
}

func onceSendServer(ctx context.Context, j Job) error {
	v, err := j.OnceRx.Recv(ctx)
	if err == nil && v != "done" {
		return fmt.Errorf("oneshot Recv: %q", v)
	}
	return lost("oneshot Recv", err)
}

// watchCheck receives until the end: values never go back, and a clean end
// comes only after the final value.
func watchCheck(ctx context.Context, what string, recv func(context.Context) (int, error)) (bool, error) {
	last := -1
	for {
		v, err := recv(ctx)
		if errors.Is(err, io.EOF) {
			if last != nItems {
				return false, fmt.Errorf("%s ended cleanly at %d, before the final %d", what, last, nItems)
			}
			return true, nil
		}
		if err != nil {
			return false, lost(what, err)
		}
		if v < last {
			return false, fmt.Errorf("%s went back from %d to %d", what, last, v)
		}
		last = v
	}
}

func watchSend(tx *watch.Sender[int]) error {
	defer tx.Close()
	for i := 1; i <= nItems; i++ {
		if err := tx.Send(i); err != nil {
			return lost("watch Send", err)
		}
	}
	return nil
}

func watchRecvClient(j *Job) func(context.Context) (bool, error) {
	tx, rx := watch.New(0)
	j.WatchTx = tx
	return func(ctx context.Context) (bool, error) {
		return watchCheck(ctx, "watch Recv", rx.Recv)
	}
}

func watchRecvServer(ctx context.Context, j Job) error { return watchSend(j.WatchTx) }

func watchSendClient(j *Job) func(context.Context) (bool, error) {
	tx, rx := watch.New(0)
	j.WatchRx = rx
	return func(ctx context.Context) (bool, error) {
		return true, watchSend(tx)
	}
}

func watchSendServer(ctx context.Context, j Job) error {
	_, err := watchCheck(ctx, "watch Recv", j.WatchRx.Recv)
	return err
}

// bcastCheck receives until the end: values come in order, a gap only
// right after a LagError counting it, and a clean end only after the last.
func bcastCheck(ctx context.Context, what string, recv func(context.Context) (int, error)) (bool, error) {
	next := 0
	var missed uint64
	for {
		v, err := recv(ctx)
		var lag *broadcast.LagError
		switch {
		case errors.As(err, &lag):
			missed += lag.Missed
			continue
		case errors.Is(err, io.EOF):
			if next != nItems {
				return false, fmt.Errorf("%s ended cleanly after %d of %d", what, next, nItems)
			}
			return true, nil
		case err != nil:
			return false, lost(what, err)
		}
		if uint64(v) != uint64(next)+missed {
			return false, fmt.Errorf("%s: got %d after %d with %d reported missed", what, v, next, missed)
		}
		next, missed = v+1, 0
	}
}

func bcastSend(tx *broadcast.Sender[int]) error {
	defer tx.Close()
	for i := range nItems {
		if err := tx.Send(i); err != nil {
			return lost("broadcast Send", err)
		}
	}
	return nil
}

func bcastRecvClient(j *Job) func(context.Context) (bool, error) {
	tx, rx := broadcast.New[int](8)
	j.BcastTx = tx
	return func(ctx context.Context) (bool, error) {
		return bcastCheck(ctx, "broadcast Recv", rx.Recv)
	}
}

func bcastRecvServer(ctx context.Context, j Job) error { return bcastSend(j.BcastTx) }

func bcastSendClient(j *Job) func(context.Context) (bool, error) {
	tx, rx := broadcast.New[int](8)
	j.BcastRx = rx
	return func(ctx context.Context) (bool, error) {
		return true, bcastSend(tx)
	}
}

func bcastSendServer(ctx context.Context, j Job) error {
	_, err := bcastCheck(ctx, "broadcast Recv", j.BcastRx.Recv)
	return err
}

var binData = bytes.Repeat([]byte("0123456789abcdef"), binBytes/16)

// binCheck reads the stream to its end: a clean end only with every byte.
func binCheck(what string, r io.Reader) (bool, error) {
	got, err := io.ReadAll(r)
	if err != nil {
		return false, lost(what, err)
	}
	if !bytes.Equal(got, binData) {
		return false, fmt.Errorf("%s ended cleanly after %d of %d bytes", what, len(got), len(binData))
	}
	return true, nil
}

func binWrite(w *bin.Writer) error {
	if _, err := w.Write(binData); err != nil {
		w.Close()
		return lost("bin Write", err)
	}
	return lost("bin Close", w.Close())
}

func binReadClient(j *Job) func(context.Context) (bool, error) {
	w, r := bin.New()
	j.BinW = w
	return func(ctx context.Context) (bool, error) { return binCheck("bin Read", r) }
}

func binReadServer(ctx context.Context, j Job) error { return binWrite(j.BinW) }

func binWriteClient(j *Job) func(context.Context) (bool, error) {
	w, r := bin.NewSized(int64(len(binData)))
	j.BinR = r
	return func(ctx context.Context) (bool, error) {
		err := binWrite(w)
		return err == nil, err
	}
}

func binWriteServer(ctx context.Context, j Job) error {
	_, err := binCheck("bin Read", j.BinR)
	return err
}

// calls makes nCalls calls of f; each must return its argument squared or
// fail with a Disconnected CallError.
func calls(ctx context.Context, f *rfn.Func[int, int]) (bool, error) {
	defer f.Close()
	for i := range nCalls {
		v, err := f.Call(ctx, i)
		if err != nil {
			if k := rfn.KindOf(err); k != rfn.Disconnected {
				return false, fmt.Errorf("Call failed with kind %v: %v", k, err)
			}
			return false, lost("Call", err)
		}
		if v != i*i {
			return false, fmt.Errorf("Call(%d) = %d", i, v)
		}
	}
	return true, nil
}

func square(_ context.Context, x int) (int, error) { return x * x, nil }

func fnServeClient(j *Job) func(context.Context) (bool, error) {
	j.Fn = rfn.New(square, nil)
	done := j.Fn.Done()
	return func(ctx context.Context) (bool, error) {
		select { // the server's calls end, one way or another
		case <-done:
			return true, nil
		case <-ctx.Done():
			return false, fmt.Errorf("the served function never stopped: %w", ctx.Err())
		}
	}
}

func fnServeServer(ctx context.Context, j Job) error {
	_, err := calls(ctx, j.Fn)
	return err
}

func fnCallClient(j *Job) func(context.Context) (bool, error) {
	tx, rx := oneshot.New[*rfn.Func[int, int]]()
	j.FnBack = tx
	return func(ctx context.Context) (bool, error) {
		f, err := rx.Recv(ctx)
		if err != nil {
			return false, lost("Recv func", err)
		}
		return calls(ctx, f)
	}
}

func fnCallServer(ctx context.Context, j Job) error {
	f := rfn.New(square, nil)
	done := f.Done()
	if err := j.FnBack.Send(f); err != nil {
		f.Close()
		return lost("Send func", err)
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("the served function never stopped: %w", ctx.Err())
	}
}

func collect[T any](ctx context.Context, recv func(context.Context) (T, error)) ([]T, error) {
	var out []T
	for {
		v, err := recv(ctx)
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
}
