package watch_test

import (
	"errors"
	"io"
	"testing"

	"github.com/telechan/telechan/internal/test/rchtest"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/mpsc"
	"github.com/telechan/telechan/rch/watch"
)

type Halves struct {
	Tx *watch.Sender[int]   `json:"tx,omitempty"`
	Rx *watch.Receiver[int] `json:"rx,omitempty"`
}

// far sends h over a fresh connection per hop and returns it as it
// arrives at the end.
func far(t *testing.T, e rchtest.Env, h Halves, hops int) Halves {
	t.Helper()
	ctx := rchtest.Ctx(t)
	for range hops {
		a, b := rchtest.Connect[Halves, Halves](t, e, nil, nil)
		if err := a.Send(ctx, h); err != nil {
			t.Fatal(err)
		}
		var err error
		if h, err = b.Recv(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

func TestSkipsButEndsOnLast(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		for hops := 1; hops <= 2; hops++ {
			ctx := rchtest.Ctx(t)
			tx, rx := watch.New(0)
			rrx := far(t, e, Halves{Rx: rx}, hops).Rx
			if v, err := rrx.Recv(ctx); v != 0 || err != nil {
				t.Fatalf("first value: %v, %v", v, err)
			}
			const n = 2000
			for i := 1; i <= n; i++ {
				if err := tx.Send(i); err != nil {
					t.Fatal(err)
				}
			}
			tx.Close()
			var got []int
			for {
				v, err := rrx.Recv(ctx)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if len(got) > 0 && v <= got[len(got)-1] {
					t.Fatalf("value %d after %d", v, got[len(got)-1])
				}
				got = append(got, v)
			}
			if len(got) == 0 || got[len(got)-1] != n {
				t.Fatalf("%d hops: last value %v, want %d", hops, got, n)
			}
			t.Logf("%d hops: %d of %d values seen", hops, len(got), n)
		}
	})
}

func TestSenderTravels(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		tx, rx := watch.New(0)
		rtx := far(t, e, Halves{Tx: tx}, 2).Tx
		rtx.Send(7)
		for {
			v, err := rx.Recv(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if v == 7 {
				break
			}
		}
		rtx.Close()
		if _, err := rx.Recv(ctx); !errors.Is(err, io.EOF) {
			t.Fatalf("after the remote sender closed: %v, want io.EOF", err)
		}
	})
}

func TestAllReceiversGone(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		tx, rx := watch.New(0)
		local := rx.Clone()
		rrx := far(t, e, Halves{Rx: rx}, 1).Rx
		rrx.Recv(ctx)
		local.Close()
		if err := tx.Err(); err != nil {
			t.Fatalf("Err with a remote receiver left: %v", err)
		}
		rrx.Close()
		select { // the remote close travels back
		case <-tx.Closed():
		case <-ctx.Done():
			t.Fatal("the sender never learnt that its receivers were gone")
		}
		if err := tx.Send(2); !errors.Is(err, rch.ErrClosed) {
			t.Fatalf("Send with no receiver: %v, want ErrClosed", err)
		}
	})
}

func TestSenderLost(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		a, b := rchtest.Connect[Halves, Halves](t, e, nil, nil)
		tx, rx := watch.New(0)
		a.Send(ctx, Halves{Tx: tx})
		h, _ := b.Recv(ctx)
		h.Tx.Send(5)
		b.Close()
		for {
			v, err := rx.Recv(ctx)
			if err == nil {
				continue
			}
			if !errors.Is(err, rch.ErrDisconnected) {
				t.Fatalf("after %v: %v, want ErrDisconnected", v, err)
			}
			return
		}
	})
}

func TestSendTooLarge(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		a, b := rchtest.Connect[Big, Big](t, e, nil, &rch.Options{MaxItemSize: 1024})
		tx, rx := watch.New([]byte("small"))
		a.Send(ctx, Big{Rx: rx})
		h, _ := b.Recv(ctx)
		if v, err := h.Rx.Recv(ctx); string(v) != "small" || err != nil {
			t.Fatalf("first value: %q, %v", v, err)
		}
		if err := tx.Send(make([]byte, 4096)); !errors.Is(err, rch.ErrTooLarge) {
			t.Fatalf("Send of a too-large value: %v, want ErrTooLarge", err)
		}
		tx.Send([]byte("fine"))
		if v, err := h.Rx.Recv(ctx); string(v) != "fine" || err != nil {
			t.Fatalf("after it: %q, %v", v, err)
		}
	})
}

// TestCurrentValueTooLarge: a receiver sent away while the current value
// is too large for the peer is ended with ErrTooLarge rather than left
// waiting, and the sender learns why its receiver went.
func TestCurrentValueTooLarge(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		a, b := rchtest.Connect[Big, Big](t, e, nil, &rch.Options{MaxItemSize: 1024})
		tx, rx := watch.New(make([]byte, 4096))
		defer tx.Close()
		a.Send(ctx, Big{Rx: rx})
		h, err := b.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer h.Rx.Close()
		if _, err := h.Rx.Recv(ctx); !errors.Is(err, rch.ErrTooLarge) {
			t.Fatalf("receiver of a too-large current value: %v, want ErrTooLarge", err)
		}
		select {
		case <-tx.Closed():
		case <-ctx.Done():
			t.Fatal("the sender never learnt its receiver was gone")
		}
		if err := tx.Err(); !errors.Is(err, rch.ErrTooLarge) {
			t.Fatalf("sender's Err: %v, want ErrTooLarge", err)
		}
	})
}

type Big struct {
	Rx *watch.Receiver[[]byte] `json:"rx"`
}

func TestNoHalvesInValues(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		type V struct{ Tx *mpsc.Sender[int] }
		type Msg struct {
			Rx *watch.Receiver[V] `json:"rx"`
		}
		a, b := rchtest.Connect[Msg, Msg](t, e, nil, nil)
		tx, rx := watch.New(V{})
		a.Send(ctx, Msg{Rx: rx})
		h, _ := b.Recv(ctx)
		h.Rx.Recv(ctx)
		mtx, _ := mpsc.New[int](1)
		if err := tx.Send(V{Tx: mtx}); !errors.Is(err, watch.ErrHalf) {
			t.Fatalf("Send of a value with a half: %v, want ErrHalf", err)
		}
	})
}

// TestCloseWakesRecv: closing a receiver ends a Recv waiting on it, with
// ErrClosed, here and on a peer.
func TestCloseWakesRecv(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		a, b := rchtest.Connect[Big, Big](t, e, nil, nil)
		tx, rx := watch.New([]byte("v"))
		defer tx.Close()
		local := rx.Clone()
		a.Send(ctx, Big{Rx: rx})
		h, err := b.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []*watch.Receiver[[]byte]{local, h.Rx} {
			if _, err := r.Recv(ctx); err != nil { // the current value
				t.Fatal(err)
			}
			errc := make(chan error, 1)
			go func() {
				_, err := r.Recv(ctx)
				errc <- err
			}()
			rchtest.WaitBlockedIn(ctx, t, "core.(*Slot[")
			r.Close()
			if err := <-errc; !errors.Is(err, rch.ErrClosed) {
				t.Fatalf("Recv waiting on a closed receiver: %v, want ErrClosed", err)
			}
		}
	})
}
