package mux_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/telechan/telechan/mux"
)

// countingConn counts the writes that reach the socket.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// TestDialledMessagesLeaveWhole: a client must mask what it sends, and the
// WebSocket library masks through a 4 KiB buffer; a dialled session still
// hands each large frame to the socket in one write, with the caller's own
// HTTP transport too.
func TestDialledMessagesLeaveWhole(t *testing.T) {
	ctx := testCtx(t)
	var wg sync.WaitGroup
	got := make(chan int, 1)
	srv := httptest.NewServer(mux.Handler(func(ctx context.Context, s *mux.Session) {
		wg.Add(1)
		defer wg.Done()
		st, err := s.Accept(ctx)
		if err != nil {
			return
		}
		n, _ := io.Copy(io.Discard, st)
		got <- int(n)
		<-ctx.Done()
	}, nil))
	defer srv.Close()

	var writes atomic.Int64
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		return countingConn{c, &writes}, err
	}}
	sess, err := mux.Dial(ctx, "ws"+srv.URL[len("http"):], &mux.Options{HTTPClient: &http.Client{Transport: tr}, FrameSize: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { sess.Close(); wg.Wait() }()
	st, err := sess.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const frames = 8
	before := writes.Load()
	if _, err := st.Write(make([]byte, frames*(64<<10))); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if n := <-got; n != frames*(64<<10) {
		t.Fatalf("server read %d bytes", n)
	}
	// Each frame is one write; window updates and the FIN add a few.
	if w := writes.Load() - before; w > 2*frames {
		t.Fatalf("%d frames of 64 KiB took %d socket writes, want about one each", frames, w)
	}
}
