package mux_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/telechan/telechan/internal/test/muxtest"
	"github.com/telechan/telechan/mux"
)

// told counts the calls of a NotifyAccept function.
type told chan struct{}

func (t told) f() { t <- struct{}{} }

// wait waits for n calls.
func (t told) wait(tb testing.TB, n int) {
	tb.Helper()
	timeout := time.After(5 * time.Second)
	for range n {
		select {
		case <-t:
		case <-timeout:
			tb.Fatalf("NotifyAccept's function was not called %d times", n)
		}
	}
}

// none checks that no call is pending.
func (t told) none(tb testing.TB) {
	tb.Helper()
	select {
	case <-t:
		tb.Fatal("NotifyAccept's function was called once too often")
	default:
	}
}

// openN opens n streams on s, each sending one byte so that the peer sees
// them.
func openN(tb testing.TB, s *mux.Session, n int) {
	tb.Helper()
	for range n {
		st, err := s.Open(context.Background())
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := st.Write([]byte{1}); err != nil {
			tb.Fatal(err)
		}
	}
}

// acceptNow accepts a stream that NotifyAccept said is waiting.
func acceptNow(tb testing.TB, s *mux.Session) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := s.Accept(ctx); err != nil {
		tb.Fatalf("Accept after the notice: %v", err)
	}
}

// TestNotifyAccept: the function is told of each stream the peer opens,
// once, the stream is then there for Accept, and it is told of the end.
func TestNotifyAccept(t *testing.T) {
	for _, ws := range []bool{false, true} {
		t.Run(map[bool]string{false: "pipe", true: "websocket"}[ws], func(t *testing.T) {
			client, server := pair(t, ws)
			n := make(told, 16)
			server.NotifyAccept(n.f)
			openN(t, client, 3)
			n.wait(t, 3)
			for range 3 {
				acceptNow(t, server)
			}
			n.none(t)
			client.Close()
			n.wait(t, 1) // the end
			_, err := server.Accept(context.Background())
			if !errors.Is(err, mux.ErrLost) {
				t.Fatalf("Accept after the end: %v, want ErrLost", err)
			}
			server.Close()
			n.none(t)
		})
	}
}

// TestNotifyAcceptLate: streams that arrived before NotifyAccept was called
// are told of at once, except those already accepted; an end that came
// before is told of too.
func TestNotifyAcceptLate(t *testing.T) {
	client, server := pair(t, false)
	openN(t, client, 3)
	acceptNow(t, server) // taken before any notice is asked for
	// The other two wait in yamux's queue; their notices come once the
	// reader has handed them over, which NumStreams cannot tell, so
	// wait for the calls rather than for a count.
	n := make(told, 16)
	server.NotifyAccept(n.f)
	n.wait(t, 2)
	acceptNow(t, server)
	acceptNow(t, server)
	n.none(t)

	client2, server2 := pair(t, false)
	client2.Close()
	<-server2.Done()
	n2 := make(told, 4)
	server2.NotifyAccept(n2.f)
	n2.wait(t, 1)
	n2.none(t)
}

// pair returns two connected sessions, over a pipe or a WebSocket.
func pair(t *testing.T, ws bool) (client, server *mux.Session) {
	t.Helper()
	if ws {
		return muxtest.WebSocketPair(t, nil)
	}
	return muxtest.Pair(t, nil)
}
