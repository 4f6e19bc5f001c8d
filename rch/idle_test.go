package rch_test

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/telechan/telechan/internal/test/rchtest"
	"github.com/telechan/telechan/rch/mpsc"
)

type idleMsg struct {
	Tx *mpsc.Sender[int]   `json:"tx,omitempty"`
	Rx *mpsc.Receiver[int] `json:"rx,omitempty"`
}

// TestIdleChannelsKeepNoGoroutine: remote channels that have carried a
// value and then sit idle hold no goroutine, on either side, so a program
// can keep thousands of them open.
func TestIdleChannelsKeepNoGoroutine(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		a, b := rchtest.Connect[idleMsg, idleMsg](t, e, nil, nil)
		// One channel first, so that whatever a connection starts lazily
		// is running before the count is taken.
		warm := func() (*mpsc.Sender[int], *mpsc.Receiver[int]) {
			tx, rx := mpsc.New[int](4)
			if err := a.Send(ctx, idleMsg{Tx: tx}); err != nil {
				t.Fatal(err)
			}
			m, err := b.Recv(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Tx.Send(ctx, 1); err != nil {
				t.Fatal(err)
			}
			if v, err := rx.Recv(ctx); v != 1 || err != nil {
				t.Fatalf("Recv: %v, %v", v, err)
			}
			return m.Tx, rx
		}
		warm()
		before := settledGoroutines(t, -1)

		const n = 200
		for range n / 2 {
			warm() // a sender that went to the peer
			tx, rx := mpsc.New[int](4)
			if err := a.Send(ctx, idleMsg{Rx: rx}); err != nil { // a receiver
				t.Fatal(err)
			}
			m, err := b.Recv(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.Send(ctx, 2); err != nil {
				t.Fatal(err)
			}
			if v, err := m.Rx.Recv(ctx); v != 2 || err != nil {
				t.Fatalf("Recv: %v, %v", v, err)
			}
		}
		after := settledGoroutines(t, before)
		if after > before {
			t.Fatalf("%d idle remote channels hold %d goroutines (%d before, %d after)", n, after-before, before, after)
		}
	})
}

// TestIdleConnectionWaitsInNoGoroutine: a connection that has carried a
// value and sits idle runs yamux's reader and writer on each side and
// nothing else of telechan: no goroutine waits in Accept for the peer's
// streams, none for the keepalive's next ping, none for the session's end
// (so a server holds thousands of idle robots cheaply).
func TestIdleConnectionWaitsInNoGoroutine(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		a, b := rchtest.Connect[int, int](t, e, nil, nil)
		if err := a.Send(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Recv(ctx); err != nil {
			t.Fatal(err)
		}
		settledGoroutines(t, -1)
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		for _, fn := range []string{"mux.(*Session).Accept", "mux.(*Session).keepalive", "mux.(*Session).watch", "core.(*Conn).acceptor", "(*resumeConn).redialer"} {
			if strings.Contains(stacks, fn) {
				t.Errorf("an idle connection has a goroutine in %s", fn)
			}
		}
		if t.Failed() {
			t.Log(stacks)
		}
	})
}

// settledGoroutines returns the goroutine count once it stops falling to
// at most want (any count when want < 0): goroutines that finished their
// work take a moment to exit.
func settledGoroutines(t *testing.T, want int) int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	last := runtime.NumGoroutine()
	for time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		n := runtime.NumGoroutine()
		if n == last && (want < 0 || n <= want) {
			return n
		}
		last = n
	}
	return last
}
