package faults_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/telechan/telechan/internal/test/faulttest"
	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/bin"
	"github.com/telechan/telechan/rch/broadcast"
	"github.com/telechan/telechan/rch/mpsc"
	"github.com/telechan/telechan/rch/watch"
	"github.com/telechan/telechan/rfn"
)

// Halves is what the far side sends the near side in the peer tests: one
// half of every kind, whose other halves it keeps and never uses, so that
// every call on the near side blocks.
type Halves struct {
	Numbers *mpsc.Receiver[int]      `json:"numbers"`
	Image   *bin.Reader              `json:"image"`
	Status  *watch.Receiver[int]     `json:"status"`
	News    *broadcast.Receiver[int] `json:"news"`
	Wait    *rfn.Func[int, int]      `json:"wait"`
	Upload  *mpsc.Sender[[]byte]     `json:"upload"`
}

// connectOver runs the handshake over a pair of sessions and returns the
// near (client) and far (server) base channels, closed at cleanup.
func connectOver(t *testing.T, cs, ss *mux.Session) (near *rch.Base[struct{}, Halves], far *rch.Base[Halves, struct{}]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	type res struct {
		b   *rch.Base[Halves, struct{}]
		err error
	}
	ch := make(chan res, 1)
	go func() {
		b, err := rch.Connect[Halves, struct{}](ctx, ss, nil)
		ch <- res{b, err}
	}()
	near, err := rch.Connect[struct{}, Halves](ctx, cs, nil)
	r := <-ch
	if err != nil || r.err != nil {
		t.Fatalf("connect: %v / %v", err, r.err)
	}
	t.Cleanup(func() { near.Close(); r.b.Close() })
	return near, r.b
}

// blockEverything has far send near a half of every kind, then starts a
// call on each that can only end when the connection does: Recv on the
// base channel, mpsc, watch and broadcast, a Read of bin, a Call of a
// function that never answers. It returns the channel on which each call
// reports its error when it ends. cleanup closes what far kept.
func blockEverything(t *testing.T, near *rch.Base[struct{}, Halves], far *rch.Base[Halves, struct{}]) (errs <-chan error, n int, upload *mpsc.Sender[[]byte], uploaded *mpsc.Receiver[[]byte]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	numTx, numRx := mpsc.New[int](1)
	imgW, imgR := bin.New()
	stTx, stRx := watch.New(0)
	newsTx, newsRx := broadcast.New[int](4)
	started := make(chan struct{}, 1)
	wait := rfn.New(func(ctx context.Context, _ int) (int, error) {
		started <- struct{}{}
		<-ctx.Done()
		return 0, ctx.Err()
	}, nil)
	upTx, upRx := mpsc.New[[]byte](1)
	t.Cleanup(func() { numTx.Close(); imgW.Close(); stTx.Close(); newsTx.Close(); upRx.Close() })
	if err := far.Send(ctx, Halves{numRx, imgR, stRx, newsRx, wait, upTx}); err != nil {
		t.Fatal(err)
	}
	h, err := near.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Status.Recv(ctx); err != nil { // the initial value
		t.Fatal(err)
	}
	out := make(chan error, 6)
	calls := []func() error{
		func() error { _, err := near.Recv(ctx); return err },
		func() error { _, err := h.Numbers.Recv(ctx); return err },
		func() error { _, err := h.Image.ReadContext(ctx, make([]byte, 10)); return err },
		func() error { _, err := h.Status.Recv(ctx); return err },
		func() error { _, err := h.News.Recv(ctx); return err },
		func() error { _, err := h.Wait.Call(ctx, 1); h.Wait.Close(); return err },
	}
	for _, f := range calls {
		go func() { out <- f() }()
	}
	select { // the call reached the far side: it is blocked there
	case <-started:
	case <-ctx.Done():
		t.Fatal("the call never started")
	}
	t.Cleanup(func() { h.Upload.Close() })
	return out, len(calls), h.Upload, upRx
}

// waitLost collects n errors from errs: each must say the connection was
// lost. It returns how long the last took.
func waitLost(t *testing.T, errs <-chan error, n int, since time.Time, limit time.Duration) time.Duration {
	t.Helper()
	timeout := time.After(limit)
	for i := range n {
		select {
		case err := <-errs:
			if lost("blocked call", err) != errCut {
				t.Errorf("blocked call %d: %v, want an error matching rch.ErrDisconnected", i, err)
			}
		case <-timeout:
			t.Fatalf("%d of %d blocked calls still blocked after %v", n-i, n, limit)
		}
	}
	return time.Since(since)
}

// TestVanishedPeer: the peer disappears without a FIN (everything both ways
// is silently dropped). Keepalive must notice within
// KeepAliveInterval+KeepAliveTimeout, and every blocked call must then fail
// with ErrDisconnected.
func TestVanishedPeer(t *testing.T) {
	opts := &mux.Options{KeepAliveInterval: 100 * time.Millisecond, KeepAliveTimeout: 200 * time.Millisecond}
	documented := opts.KeepAliveInterval + opts.KeepAliveTimeout
	a, b := net.Pipe()
	v := faulttest.NewVanisher(a)
	cs, ss := pairOf(t, v, b, opts, &mux.Options{KeepAliveInterval: -1})
	near, far := connectOver(t, cs, ss)
	errs, n, _, _ := blockEverything(t, near, far)

	start := time.Now()
	v.Vanish()
	took := waitLost(t, errs, n, start, 20*documented)
	if err := cs.Err(); !errors.Is(err, mux.ErrLost) {
		t.Errorf("session error %v, want ErrLost", err)
	}
	t.Logf("vanished peer detected, every blocked call failed, after %v (KeepAliveInterval+KeepAliveTimeout = %v)", took, documented)
}

// TestWritesBlock is yamux issue 142: when writes to the connection block
// (the peer stopped reading its socket), yamux's write timeout fails the
// write but does not end the session. telechan must end it, so that no
// half-dead session is left: every blocked call fails on both sides, the
// peer's included (it sees the connection close).
func TestWritesBlock(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts mux.Options
		send bool // keep sending on the blocked side
	}{
		{"keepalive idle", mux.Options{KeepAliveInterval: 100 * time.Millisecond, KeepAliveTimeout: 200 * time.Millisecond}, false},
		{"no keepalive sending", mux.Options{KeepAliveInterval: -1, KeepAliveTimeout: 200 * time.Millisecond}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := net.Pipe()
			blk := faulttest.NewBlocker(a)
			cs, ss := pairOf(t, blk, b, &tc.opts, &mux.Options{KeepAliveInterval: -1})
			near, far := connectOver(t, cs, ss)
			errs, n, tx, rx := blockEverything(t, near, far)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			farRx := make(chan error, 1)
			go func() { // the far side waits for the near side's data
				_, err := rx.Recv(ctx)
				farRx <- err
			}()
			start := time.Now()
			blk.Block()
			if tc.send {
				go func() {
					defer tx.Close()
					for tx.Send(ctx, make([]byte, 1024)) == nil {
					}
				}()
			}
			took := waitLost(t, errs, n, start, 20*time.Second)
			select {
			case err := <-farRx:
				if lost("far Recv", err) != errCut {
					t.Errorf("far side: %v, want an error matching rch.ErrDisconnected", err)
				}
			case <-ctx.Done():
				t.Fatal("the far side hangs")
			}
			select {
			case <-ss.Done():
			case <-ctx.Done():
				t.Fatal("the far session is half-dead")
			}
			t.Logf("blocked writes ended the session after %v", took)
		})
	}
}

// pairOf runs a client session over a and a server session over b.
func pairOf(t *testing.T, a, b net.Conn, copts, sopts *mux.Options) (*mux.Session, *mux.Session) {
	t.Helper()
	cs, err := mux.Client(a, copts)
	if err != nil {
		t.Fatal(err)
	}
	ss, err := mux.Server(b, sopts)
	if err != nil {
		cs.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close(); ss.Close() })
	return cs, ss
}
