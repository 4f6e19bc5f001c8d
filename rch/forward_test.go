package rch_test

import (
	"errors"
	"io"
	"testing"

	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/mpsc"
	"github.com/telechan/telechan/rch/oneshot"
)

type Halves struct {
	Tx *mpsc.Sender[int]   `json:"tx,omitempty"`
	Rx *mpsc.Receiver[int] `json:"rx,omitempty"`
}

// TestForwardTwoHops sends halves from A to B, and B passes them on to C
// without using them: C talks to A through B, order and close included.
func TestForwardTwoHops(t *testing.T) {
	each(t, func(t *testing.T, e env) {
		ctx := testCtx(t)
		ab, ba := connect[Halves, Halves](t, e, nil, nil)
		bc, cb := connect[Halves, Halves](t, e, nil, nil)

		txA, rxA := mpsc.New[int](4)   // A receives what C sends
		txA2, rxA2 := mpsc.New[int](4) // C receives what A sends
		if err := ab.Send(ctx, Halves{Tx: txA, Rx: rxA2}); err != nil {
			t.Fatal(err)
		}
		atB, err := ba.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := bc.Send(ctx, atB); err != nil {
			t.Fatal(err)
		}
		atC, err := cb.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		const n = 200
		go func() {
			for i := range n {
				atC.Tx.Send(ctx, i)
			}
			atC.Tx.Close()
			for i := range n {
				txA2.Send(ctx, -i)
			}
			txA2.Close()
		}()
		got, err := collect(ctx, rxA.Recv)
		if !errors.Is(err, io.EOF) || len(got) != n {
			t.Fatalf("A got %d values, ending %v; want %d and io.EOF", len(got), err, n)
		}
		for i, v := range got {
			if v != i {
				t.Fatalf("A: value %d is %d", i, v)
			}
		}
		back, err := collect(ctx, atC.Rx.Recv)
		if !errors.Is(err, io.EOF) || len(back) != n {
			t.Fatalf("C got %d values, ending %v; want %d and io.EOF", len(back), err, n)
		}
		for i, v := range back {
			if v != -i {
				t.Fatalf("C: value %d is %d", i, v)
			}
		}
	})
}

// TestForwardedReceiverClose: C closes a receiver that came from A through
// B; A's sender learns it.
func TestForwardedReceiverClose(t *testing.T) {
	each(t, func(t *testing.T, e env) {
		ctx := testCtx(t)
		ab, ba := connect[Halves, Halves](t, e, nil, nil)
		bc, cb := connect[Halves, Halves](t, e, nil, nil)
		tx, rx := mpsc.New[int](1)
		ab.Send(ctx, Halves{Rx: rx})
		atB, _ := ba.Recv(ctx)
		bc.Send(ctx, atB)
		atC, err := cb.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		atC.Rx.Close()
		waitErr(t, ctx, tx, rch.ErrClosed)
	})
}

// TestClonesOnTwoConnections: a receiver at A has two senders, one at B and
// one at C. B's connection dies; A hears of it, and C goes on delivering.
func TestClonesOnTwoConnections(t *testing.T) {
	each(t, func(t *testing.T, e env) {
		ctx := testCtx(t)
		ab, ba := connect[Halves, Halves](t, e, nil, nil)
		ac, ca := connect[Halves, Halves](t, e, nil, nil)
		tx, rx := mpsc.New[int](4)
		ab.Send(ctx, Halves{Tx: tx.Clone()})
		ac.Send(ctx, Halves{Tx: tx})
		atB, err := ba.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		atC, err := ca.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		atB.Tx.Send(ctx, 1)
		if v, err := rx.Recv(ctx); v != 1 || err != nil {
			t.Fatalf("from B: %v, %v", v, err)
		}
		ba.Close() // B's connection dies
		if _, err := rx.Recv(ctx); !errors.Is(err, rch.ErrDisconnected) {
			t.Fatalf("after B's connection died: %v, want ErrDisconnected", err)
		}
		for i := range 10 {
			if err := atC.Tx.Send(ctx, 100+i); err != nil {
				t.Fatalf("C's Send: %v", err)
			}
		}
		atC.Tx.Close()
		got, err := collect(ctx, rx.Recv)
		if len(got) != 10 || got[0] != 100 || got[9] != 109 {
			t.Fatalf("from C: %v", got)
		}
		// One sender was lost, so the end is not a clean io.EOF.
		if !errors.Is(err, rch.ErrDisconnected) {
			t.Fatalf("end: %v, want ErrDisconnected", err)
		}
	})
}

type Reply struct {
	To *oneshot.Sender[string] `json:"to"`
}

func TestOneshot(t *testing.T) {
	each(t, func(t *testing.T, e env) {
		ctx := testCtx(t)
		client, server := connect[Reply, struct{}](t, e, nil, nil)
		tx, rx := oneshot.New[string]()
		tx2, rx2 := oneshot.New[string]()
		client.Send(ctx, Reply{To: tx})
		client.Send(ctx, Reply{To: tx2})
		r1, _ := server.Recv(ctx)
		r2, _ := server.Recv(ctx)
		if err := r1.To.Send("pong"); err != nil {
			t.Fatal(err)
		}
		if err := r1.To.Send("again"); !errors.Is(err, rch.ErrClosed) {
			t.Fatalf("second Send: %v, want ErrClosed", err)
		}
		r2.To.Close()
		if v, err := rx.Recv(ctx); v != "pong" || err != nil {
			t.Fatalf("Recv = %q, %v", v, err)
		}
		if _, err := rx.Recv(ctx); !errors.Is(err, rch.ErrClosed) {
			t.Fatalf("Recv after the value: %v, want ErrClosed", err)
		}
		if _, err := rx2.Recv(ctx); !errors.Is(err, oneshot.ErrNoValue) {
			t.Fatalf("Recv from a sender closed empty: %v, want ErrNoValue", err)
		}
	})
}
