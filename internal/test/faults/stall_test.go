package faults_test

import (
	"context"
	"testing"
	"time"

	"github.com/telechan/telechan/internal/test/faulttest"
	"github.com/telechan/telechan/internal/test/muxtest"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/broadcast"
	"github.com/telechan/telechan/rch/mpsc"
	"github.com/telechan/telechan/rch/watch"
)

// Feeds is what we send a peer that never reads: a subscriber, a watch
// receiver and an mpsc receiver, all fed from our side.
type Feeds struct {
	News   *broadcast.Receiver[[]byte] `json:"news"`
	Status *watch.Receiver[[]byte]     `json:"status"`
	Items  *mpsc.Receiver[[]byte]      `json:"items"`
}

// TestPeerStopsReading: a peer takes our channels and never reads them.
// Whatever we send (the never-waiting kinds keep accepting values, mpsc
// fills up and refuses), our memory must plateau at the
// windows and queues instead of growing with the bytes sent, and another
// connection must keep round-tripping meanwhile.
func TestPeerStopsReading(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	us, peer := connectPair[Feeds, []byte](t)
	other, echo := connectPair[int, int](t)
	go func() { // the other connection echoes
		for v, err := range echo.All(ctx) {
			if err != nil || echo.Send(ctx, v) != nil {
				return
			}
		}
	}()
	roundTrip := func(i int) {
		if err := other.Send(ctx, i); err != nil {
			t.Fatalf("other connection: Send: %v", err)
		}
		if v, err := other.Recv(ctx); err != nil || v != i {
			t.Fatalf("other connection: Recv = %v, %v", v, err)
		}
	}

	newsTx, newsRx := broadcast.New[[]byte](16)
	statusTx, statusRx := watch.New([]byte(nil))
	itemsTx, itemsRx := mpsc.New[[]byte](16)
	defer newsTx.Close()
	defer statusTx.Close()
	defer itemsTx.Close()
	if err := us.Send(ctx, Feeds{newsRx, statusRx, itemsRx}); err != nil {
		t.Fatal(err)
	}
	_ = peer // it never reads anything

	const item = 4 << 10
	var sent int64
	send := func(n int) {
		for i := range n {
			v := make([]byte, item)
			v[0] = byte(i)
			if err := newsTx.Send(v); err != nil {
				t.Fatalf("broadcast Send: %v", err)
			}
			if err := statusTx.Send(v); err != nil {
				t.Fatalf("watch Send: %v", err)
			}
			itemsTx.TrySend(v) // refused once full
			sent += 2 * item
			if i%512 == 0 {
				roundTrip(i)
			}
		}
	}
	base := faulttest.Heap()
	send(2000)
	warm := faulttest.Heap()
	send(8000)
	after := faulttest.Heap()
	roundTrip(-1)
	t.Logf("heap: %d KiB at start, +%d KiB after %d MiB sent, +%d KiB after %d MiB", base>>10, (warm-base)>>10, 2000*2*item>>20, (after-base)>>10, sent>>20)
	if growth := after - warm; growth > 2<<20 {
		t.Errorf("heap grew by %d KiB while %d MiB more went to a peer that does not read: it does not plateau", growth>>10, 8000*2*item>>20)
	}
	if ok, _ := itemsTx.TrySend(nil); ok {
		t.Errorf("mpsc towards a peer that does not read never filled up")
	}
}

// connectPair connects two base channels over muxtest.Pair (in memory,
// the whole WebSocket stack).
func connectPair[A, B any](t *testing.T) (*rch.Base[A, B], *rch.Base[B, A]) {
	t.Helper()
	cs, ss := muxtest.Pair(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	type res struct {
		b   *rch.Base[B, A]
		err error
	}
	ch := make(chan res, 1)
	go func() {
		b, err := rch.Connect[B, A](ctx, ss, nil)
		ch <- res{b, err}
	}()
	a, err := rch.Connect[A, B](ctx, cs, nil)
	r := <-ch
	if err != nil || r.err != nil {
		t.Fatalf("connect: %v / %v", err, r.err)
	}
	t.Cleanup(func() { a.Close(); r.b.Close() })
	return a, r.b
}
