package broadcast_test

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/telechan/telechan/internal/test/rchtest"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/broadcast"
	"github.com/telechan/telechan/rch/mpsc"
)

type Sub struct {
	Rx  *broadcast.Receiver[int] `json:"rx,omitempty"`
	Tx  *broadcast.Sender[int]   `json:"tx,omitempty"`
	Ack *mpsc.Sender[int]        `json:"ack,omitempty"`
}

// far sends s over a fresh connection per hop and returns it as it
// arrives at the end.
func far(t *testing.T, e rchtest.Env, s Sub, hops int) Sub {
	t.Helper()
	ctx := rchtest.Ctx(t)
	for range hops {
		a, b := rchtest.Connect[Sub, Sub](t, e, nil, nil)
		if err := a.Send(ctx, s); err != nil {
			t.Fatal(err)
		}
		var err error
		if s, err = b.Recv(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// TestSlowSubscriber: two remote subscribers keep up and get every value
// in order; a third never reads until the end, is told how many it missed,
// and then gets the newest values and the end. Neither the sender nor the
// others wait for it.
func TestSlowSubscriber(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		const n, capacity = 300, 16
		tx, first := broadcast.New[int](capacity)
		slow := tx.Subscribe()
		ackTx, acks := mpsc.New[int](2)
		fast := []Sub{far(t, e, Sub{Rx: first, Ack: ackTx.Clone()}, 1), far(t, e, Sub{Rx: tx.Subscribe(), Ack: ackTx}, 2)}
		farSlow := far(t, e, Sub{Rx: slow}, 1)

		got := make(chan []int, len(fast))
		for _, f := range fast {
			go func() {
				var vs []int
				for {
					v, err := f.Rx.Recv(ctx)
					if err != nil {
						f.Ack.Close()
						got <- vs
						return
					}
					vs = append(vs, v)
					f.Ack.Send(ctx, v)
				}
			}()
		}
		for i := 1; i <= n; i++ {
			if err := tx.Send(i); err != nil {
				t.Fatal(err)
			}
			// Pace the sender by the fast subscribers only.
			for range fast {
				if _, err := acks.Recv(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
		tx.Close()
		for range fast {
			vs := <-got
			if len(vs) != n || vs[0] != 1 || vs[n-1] != n {
				t.Fatalf("a fast subscriber got %d values, want all %d in order", len(vs), n)
			}
		}

		// The slow subscriber may lag more than once (values still arrive
		// at its side while it reads), but what it gets is increasing,
		// every value it lost is counted, and it ends with the last one.
		var (
			missed, lags uint64
			rest         []int
		)
		for {
			v, err := farSlow.Rx.Recv(ctx)
			var lag *broadcast.LagError
			if errors.As(err, &lag) {
				if !errors.Is(err, broadcast.ErrLagged) || lag.Missed == 0 {
					t.Fatalf("lag error %v: not ErrLagged or nothing missed", err)
				}
				missed += lag.Missed
				lags++
				continue
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("slow subscriber: %v", err)
			}
			if want := int(missed) + len(rest) + 1; v != want {
				t.Fatalf("slow subscriber got %d after %d values and %d missed, want %d", v, len(rest), missed, want)
			}
			rest = append(rest, v)
		}
		if lags == 0 || len(rest) == 0 || rest[len(rest)-1] != n || int(missed)+len(rest) != n {
			t.Fatalf("slow subscriber: %d lags, %d missed, got %v; want a lag, then values up to %d", lags, missed, rest, n)
		}
		t.Logf("slow subscriber missed %d in %d lags, got %d", missed, lags, len(rest))
	})
}

func TestSenderTravels(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		tx, rx := broadcast.New[int](64)
		ftx := far(t, e, Sub{Tx: tx}, 2).Tx
		for i := range 10 {
			ftx.Send(i)
		}
		ftx.Close()
		got, err := rchtest.Collect(ctx, rx.Recv)
		if !errors.Is(err, io.EOF) || len(got) != 10 {
			t.Fatalf("got %v, %v", got, err)
		}
	})
}

func TestSenderLost(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		a, b := rchtest.Connect[Sub, Sub](t, e, nil, nil)
		tx, rx := broadcast.New[int](8)
		a.Send(ctx, Sub{Tx: tx})
		s, _ := b.Recv(ctx)
		s.Tx.Send(1)
		if v, err := rx.Recv(ctx); v != 1 || err != nil {
			t.Fatalf("Recv: %v, %v", v, err)
		}
		b.Close()
		if _, err := rx.Recv(ctx); !errors.Is(err, rch.ErrDisconnected) {
			t.Fatalf("after the sender's connection died: %v, want ErrDisconnected", err)
		}
	})
}

// TestResubscribe: a sender whose subscribers all closed can subscribe
// again, and the new subscriber gets what is sent from then on.
func TestResubscribe(t *testing.T) {
	ctx := rchtest.Ctx(t)
	tx, rx := broadcast.New[int](4)
	rx.Close()
	sub := tx.Subscribe()
	if err := tx.Send(7); err != nil {
		t.Fatal(err)
	}
	if v, err := sub.Recv(ctx); v != 7 || err != nil {
		t.Fatalf("Recv after resubscribing: %v, %v", v, err)
	}
	sub.Close()
	again := tx.Subscribe()
	tx.Close()
	if _, err := again.Recv(ctx); !errors.Is(err, io.EOF) {
		t.Fatalf("Recv after Close: %v, want io.EOF", err)
	}
}

// TestCloseWakesRecv: closing a subscriber ends a Recv waiting on it, with
// ErrClosed, here and on a peer.
func TestCloseWakesRecv(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		tx, local := broadcast.New[int](4)
		defer tx.Close()
		remote := far(t, e, Sub{Rx: tx.Subscribe()}, 1).Rx
		for _, r := range []*broadcast.Receiver[int]{local, remote} {
			errc := make(chan error, 1)
			go func() {
				_, err := r.Recv(ctx)
				errc <- err
			}()
			rchtest.WaitBlockedIn(ctx, t, "core.(*Ring[")
			r.Close()
			if err := <-errc; !errors.Is(err, rch.ErrClosed) {
				t.Fatalf("Recv waiting on a closed subscriber: %v, want ErrClosed", err)
			}
		}
	})
}

// TestUnsendableValueCountsAsMissed: a value published before its
// subscriber was sent to a peer, and too large for that peer, reaches the
// subscriber as a lag of one rather than vanishing.
func TestUnsendableValueCountsAsMissed(t *testing.T) {
	type Bytes struct {
		Rx *broadcast.Receiver[[]byte] `json:"rx"`
	}
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		tx, rx := broadcast.New[[]byte](8)
		tx.Send(make([]byte, 4096))
		tx.Send([]byte("small"))
		tx.Close()
		a, b := rchtest.Connect[Bytes, Bytes](t, e, nil, &rch.Options{MaxItemSize: 1024})
		if err := a.Send(ctx, Bytes{Rx: rx}); err != nil {
			t.Fatal(err)
		}
		got, err := b.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer got.Rx.Close()
		var lag *broadcast.LagError
		if _, err := got.Rx.Recv(ctx); !errors.As(err, &lag) || lag.Missed != 1 {
			t.Fatalf("first Recv: %v, want a lag of 1", err)
		}
		if v, err := got.Rx.Recv(ctx); string(v) != "small" || err != nil {
			t.Fatalf("then: %q, %v", v, err)
		}
		if _, err := got.Rx.Recv(ctx); err != io.EOF {
			t.Fatalf("at the end: %v, want io.EOF", err)
		}
	})
}

// TestSenderSeesWhy: a sender's Err is nil while a subscriber is alive and
// then tells why the last went: closed here, or its connection lost for a
// sender that travelled to a peer.
func TestSenderSeesWhy(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		tx, rx := broadcast.New[int](4)
		if err := tx.Err(); err != nil {
			t.Fatalf("Err with a subscriber: %v", err)
		}
		rx.Close()
		if err := tx.Err(); !errors.Is(err, rch.ErrClosed) {
			t.Fatalf("Err once the subscriber closed: %v, want ErrClosed", err)
		}
		sub := tx.Subscribe()
		defer sub.Close()
		if err := tx.Err(); err != nil {
			t.Fatalf("Err after a new Subscribe: %v", err)
		}

		a, b := rchtest.Connect[Sub, Sub](t, e, nil, nil)
		if err := a.Send(ctx, Sub{Tx: tx}); err != nil {
			t.Fatal(err)
		}
		got, err := b.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ftx := got.Tx
		defer ftx.Close()
		if err := ftx.Err(); err != nil {
			t.Fatalf("Err of a sender that travelled: %v", err)
		}
		a.Close() // the connection back to the subscribers is lost
		for ftx.Err() == nil {
			select {
			case <-ctx.Done():
				t.Fatal("the sender that travelled never learnt its connection was lost")
			case <-time.After(time.Millisecond):
			}
		}
		if err := ftx.Err(); !errors.Is(err, rch.ErrDisconnected) {
			t.Fatalf("Err after the connection was lost: %v, want ErrDisconnected", err)
		}
	})
}
