package core

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"
)

// consumed is one call of a Consume function.
type consumed struct {
	v   int
	err error
	end bool
}

// consumeAll starts consuming rx on pool, each call reported on the
// returned channel.
func consumeAll(t *testing.T, rx *Rx[int], pool *Workers) <-chan consumed {
	t.Helper()
	calls := make(chan consumed, 16)
	if err := rx.Consume(pool, func(v int, err error, end bool) { calls <- consumed{v, err, end} }); err != nil {
		t.Fatal(err)
	}
	return calls
}

// next returns the next call, failing after a while.
func next(t *testing.T, calls <-chan consumed) consumed {
	t.Helper()
	select {
	case c := <-calls:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("the consumer was not called")
		return consumed{}
	}
}

// TestConsume: items sent before and after Consume reach the function in
// order, and the end comes last, once, with what Recv would return; no
// goroutine is left (goleak) once the pool is stopped.
func TestConsume(t *testing.T) {
	var tx Tx[int]
	var rx Rx[int]
	InitPair(&tx, &rx, 4, "mpsc.sender", "mpsc.receiver")
	ctx := context.Background()
	if err := tx.Send(ctx, 1); err != nil { // before Consume
		t.Fatal(err)
	}
	var pool Workers
	calls := consumeAll(t, &rx, &pool)
	for _, v := range []int{2, 3} {
		if err := tx.Send(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	for want := 1; want <= 3; want++ {
		if c := next(t, calls); c.v != want || c.err != nil || c.end {
			t.Fatalf("call %d: %+v", want, c)
		}
	}
	tx.Close()
	if c := next(t, calls); !c.end || !errors.Is(c.err, io.EOF) {
		t.Fatalf("end: %+v, want io.EOF", c)
	}
	pool.Stop()
	pool.Wait()
	select {
	case c := <-calls:
		t.Fatalf("a call after the end: %+v", c)
	default:
	}
}

// TestConsumeClosed: closing the receiver ends the consumer with
// ErrClosed, and the sender learns the receiver is gone.
func TestConsumeClosed(t *testing.T) {
	var tx Tx[int]
	var rx Rx[int]
	InitPair(&tx, &rx, 4, "mpsc.sender", "mpsc.receiver")
	var pool Workers
	calls := consumeAll(t, &rx, &pool)
	rx.Close()
	if c := next(t, calls); !c.end || !errors.Is(c.err, ErrClosed) {
		t.Fatalf("end: %+v, want ErrClosed", c)
	}
	if err := tx.Send(context.Background(), 1); err == nil {
		t.Fatal("Send to a closed receiver succeeded")
	}
	pool.Stop()
	pool.Wait()
}
