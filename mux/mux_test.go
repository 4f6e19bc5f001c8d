package mux_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/sync/errgroup"

	"github.com/telechan/telechan/internal/test/muxtest"
	"github.com/telechan/telechan/mux"
)

// testTimeout bounds every wait of a test that could otherwise hang.
const testTimeout = 10 * time.Second

type pairFunc func(testing.TB, *mux.Options) (client, server *mux.Session)

var transports = []struct {
	name string
	pair pairFunc
}{
	{"pipe", muxtest.Pair},
	{"websocket", muxtest.WebSocketPair},
	{"tcp", muxtest.TCPPair},
}

// forEachTransport runs f over every transport, and with roles swapped: in
// the "server-opens" variant, the server session is passed as opener.
func forEachTransport(t *testing.T, opts *mux.Options, f func(t *testing.T, opener, acceptor *mux.Session)) {
	for _, tr := range transports {
		t.Run(tr.name+"/client-opens", func(t *testing.T) {
			c, s := tr.pair(t, opts)
			f(t, c, s)
		})
		t.Run(tr.name+"/server-opens", func(t *testing.T) {
			c, s := tr.pair(t, opts)
			f(t, s, c)
		})
	}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// echoServer accepts streams on s and echoes each back until its EOF. At
// the end of the test it closes s and waits for its goroutines.
func echoServer(ctx context.Context, t *testing.T, s *mux.Session) {
	var wg sync.WaitGroup
	t.Cleanup(func() {
		_ = s.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			st, err := s.Accept(ctx)
			if err != nil {
				return
			}
			wg.Go(func() {
				if _, err := io.Copy(st, st); err != nil {
					return
				}
				_ = st.Close()
			})
		}
	})
}

// roundTrip writes msg on a new stream of s, closes it and returns what
// comes back.
func roundTrip(ctx context.Context, s *mux.Session, msg []byte) ([]byte, error) {
	st, err := s.Open(ctx)
	if err != nil {
		return nil, err
	}
	var g errgroup.Group
	g.Go(func() error {
		if _, err := st.Write(msg); err != nil {
			return err
		}
		return st.Close()
	})
	got, err := io.ReadAll(st)
	if werr := g.Wait(); err == nil {
		err = werr
	}
	return got, err
}

func randomBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func TestEcho(t *testing.T) {
	forEachTransport(t, nil, func(t *testing.T, opener, acceptor *mux.Session) {
		ctx := testCtx(t)
		echoServer(ctx, t, acceptor)
		got, err := roundTrip(ctx, opener, []byte("hello, telechan"))
		if err != nil || string(got) != "hello, telechan" {
			t.Fatalf("roundTrip = %q, %v", got, err)
		}
		if opener.IsClient() == acceptor.IsClient() {
			t.Error("both sessions claim the same role")
		}
	})
}

func TestStreamIDParity(t *testing.T) {
	c, s := muxtest.Pair(t, nil)
	ctx := testCtx(t)
	for _, tc := range []struct {
		opener, acceptor *mux.Session
		parity           uint32
	}{{c, s, 1}, {s, c, 0}} {
		st, err := tc.opener.Open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Write([]byte{1}); err != nil { // the peer sees the stream now
			t.Fatal(err)
		}
		peer, err := tc.acceptor.Accept(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.ID()%2 != tc.parity || peer.ID() != st.ID() {
			t.Errorf("opened ID %d, accepted ID %d, want parity %d", st.ID(), peer.ID(), tc.parity)
		}
		if st.Session() != tc.opener || peer.Session() != tc.acceptor {
			t.Error("Stream.Session is not the session of the stream")
		}
	}
}

func TestManyConcurrentStreams(t *testing.T) {
	const streams, size = 64, 64 << 10
	forEachTransport(t, nil, func(t *testing.T, opener, acceptor *mux.Session) {
		ctx := testCtx(t)
		echoServer(ctx, t, acceptor)
		g, ctx := errgroup.WithContext(ctx)
		for range streams {
			g.Go(func() error {
				msg := randomBytes(t, size)
				got, err := roundTrip(ctx, opener, msg)
				if err == nil && !bytes.Equal(got, msg) {
					err = errors.New("echo differs")
				}
				return err
			})
		}
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestLargeWrite(t *testing.T) {
	msg := randomBytes(t, 4<<20)
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			c, s := tr.pair(t, nil)
			ctx := testCtx(t)
			echoServer(ctx, t, s)
			got, err := roundTrip(ctx, c, msg)
			if err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("got %d bytes (equal %v), err %v", len(got), bytes.Equal(got, msg), err)
			}
		})
	}
}

func TestCloseIdempotent(t *testing.T) {
	c, s := muxtest.Pair(t, nil)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if err := c.Close(); err != nil {
				t.Errorf("concurrent Close = %v", err)
			}
		})
	}
	wg.Wait()
	for i := range 2 {
		if err := c.Close(); err != nil {
			t.Errorf("Close #%d = %v, want nil", i, err)
		}
	}
	<-s.Done()
	if err := s.Close(); err != nil {
		t.Errorf("Close of the lost side = %v, want nil", err)
	}
}

// TestCloseLeavesNoGoroutine checks that Close waits for everything the
// session started, over every transport, with streams in every state.
func TestCloseLeavesNoGoroutine(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			before := goleak.IgnoreCurrent()
			t.Cleanup(func() { goleak.VerifyNone(t, before) }) // after the pair's cleanup
			c, s := tr.pair(t, &mux.Options{KeepAliveInterval: time.Millisecond})
			ctx := testCtx(t)
			echoServer(ctx, t, s)
			if _, err := roundTrip(ctx, c, []byte("x")); err != nil {
				t.Fatal(err)
			}
			half, err := c.Open(ctx) // left open and blocked in Read
			if err != nil {
				t.Fatal(err)
			}
			readDone := make(chan error, 1)
			go func() {
				_, err := half.Read(make([]byte, 1))
				readDone <- err
			}()
			_ = c.Close()
			_ = s.Close()
			if err := <-readDone; !errors.Is(err, mux.ErrClosed) {
				t.Errorf("blocked Read after Close = %v, want ErrClosed", err)
			}
		})
	}
}

func TestErr(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			c, s := tr.pair(t, nil)
			if c.Err() != nil || s.Err() != nil {
				t.Fatalf("Err of open sessions = %v, %v", c.Err(), s.Err())
			}
			_ = s.Close()
			if !errors.Is(s.Err(), mux.ErrClosed) {
				t.Errorf("closing side Err = %v, want ErrClosed", s.Err())
			}
			waitDone(t, c)
			if err := c.Err(); !errors.Is(err, mux.ErrLost) || errors.Is(err, io.EOF) {
				t.Errorf("peer Err = %v, want ErrLost (and not io.EOF)", err)
			}
			select {
			case <-s.Done():
			default:
				t.Error("Done not closed after Close")
			}
		})
	}
}

func waitDone(t *testing.T, s *mux.Session) {
	t.Helper()
	select {
	case <-s.Done():
	case <-time.After(testTimeout):
		t.Fatal("session did not end")
	}
}

// TestConnectionCut closes the connection under the sessions: every blocked
// call on both sides must return an error wrapping ErrLost.
func TestConnectionCut(t *testing.T) {
	a, b := net.Pipe()
	c, err := mux.Client(a, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := mux.Server(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := testCtx(t)
	cst, err := c.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cst.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	sst, err := s.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 4)
	go func() { _, err := c.Accept(ctx); errs <- err }()
	go func() { _, err := s.Accept(ctx); errs <- err }()
	go func() { _, err := cst.Read(make([]byte, 1)); errs <- err }()
	go func() { _, err := io.ReadAll(sst); errs <- err }()

	_ = a.Close() // cut: neither session was closed
	for range 4 {
		if err := <-errs; !errors.Is(err, mux.ErrLost) {
			t.Errorf("blocked call returned %v, want ErrLost", err)
		}
	}
	if _, err := cst.Write([]byte("y")); !errors.Is(err, mux.ErrLost) {
		t.Errorf("Write after cut = %v, want ErrLost", err)
	}
	if _, err := c.Open(ctx); !errors.Is(err, mux.ErrLost) {
		t.Errorf("Open after cut = %v, want ErrLost", err)
	}
}

// TestEOFSurvivesSessionEnd: a stream the peer closed before closing the
// session ends with io.EOF, even when it is read after the session ended; a
// stream it did not close ends with ErrLost.
func TestEOFSurvivesSessionEnd(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			c, s := tr.pair(t, nil)
			ctx := testCtx(t)
			finished, err := c.Open(ctx)
			if err != nil {
				t.Fatal(err)
			}
			cut, err := c.Open(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range []*mux.Stream{finished, cut} {
				if _, err := st.Write([]byte("data")); err != nil {
					t.Fatal(err)
				}
			}
			_ = finished.Close()
			sFinished, err := s.Accept(ctx)
			if err != nil {
				t.Fatal(err)
			}
			sCut, err := s.Accept(ctx)
			if err != nil {
				t.Fatal(err)
			}
			_ = c.Close()
			waitDone(t, s)

			got, err := io.ReadAll(sFinished)
			if string(got) != "data" || err != nil {
				t.Errorf("closed stream: got %q, %v; want data, nil (io.EOF)", got, err)
			}
			got, err = io.ReadAll(sCut)
			if string(got) != "data" || !errors.Is(err, mux.ErrLost) {
				t.Errorf("open stream: got %q, %v; want data, ErrLost", got, err)
			}
		})
	}
}

func TestStreamDeadline(t *testing.T) {
	c, s := muxtest.Pair(t, nil)
	ctx := testCtx(t)
	st, err := c.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_ = st.SetReadDeadline(time.Now().Add(time.Millisecond))
	_, err = st.Read(make([]byte, 1))
	var ne net.Error
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("Read past deadline = %v, want os.ErrDeadlineExceeded", err)
	}
	// The stream is still usable once the deadline is lifted.
	_ = st.SetDeadline(time.Time{})
	if _, err := st.Write([]byte("ok")); err != nil {
		t.Fatal(err)
	}
	peer, err := s.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := peer.Write([]byte("back")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(st, buf); err != nil || string(buf) != "back" {
		t.Fatalf("read after deadline lifted: %q, %v", buf, err)
	}
}

func TestWriteAfterClose(t *testing.T) {
	c, _ := muxtest.Pair(t, nil)
	st, err := c.Open(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	_ = st.Close()
	if err := st.Close(); err != nil {
		t.Errorf("second Stream.Close = %v", err)
	}
	if _, err := st.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Write after Close = %v, want net.ErrClosed", err)
	}
}

// TestHalfClose: after closing its side, a stream still receives.
func TestHalfClose(t *testing.T) {
	c, s := muxtest.Pair(t, nil)
	ctx := testCtx(t)
	st, err := c.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_ = st.Close()
	peer, err := s.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(peer); len(b) != 0 || err != nil {
		t.Fatalf("peer read %q, %v; want EOF", b, err)
	}
	if _, err := peer.Write([]byte("reply")); err != nil {
		t.Fatal(err)
	}
	_ = peer.Close()
	if b, err := io.ReadAll(st); string(b) != "reply" || err != nil {
		t.Fatalf("read after half-close: %q, %v", b, err)
	}
}

// TestOpenContext: Open blocks while AcceptBacklog streams are unaccepted,
// and its ctx aborts that wait without harming the session.
func TestOpenContext(t *testing.T) {
	opts := &mux.Options{AcceptBacklog: 2}
	c, s := muxtest.Pair(t, opts)
	ctx := testCtx(t)
	for range 2 {
		if _, err := c.Open(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Open(canceled()); !errors.Is(err, context.Canceled) {
		t.Fatalf("Open with cancelled ctx = %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := c.Open(short); err != context.DeadlineExceeded {
		t.Fatalf("blocked Open = %v, want context.DeadlineExceeded unchanged", err)
	}
	// Accepting frees the backlog; the abandoned open completes as an
	// empty stream, and the session works on.
	for range 3 {
		st, err := s.Accept(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_ = st.Close()
	}
	echoServer(ctx, t, s)
	if got, err := roundTrip(ctx, c, []byte("still here")); err != nil || string(got) != "still here" {
		t.Fatalf("roundTrip after aborted Open = %q, %v", got, err)
	}
}

func TestAcceptContext(t *testing.T) {
	c, _ := muxtest.Pair(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := c.Accept(ctx); err != context.DeadlineExceeded {
		t.Fatalf("Accept = %v, want context.DeadlineExceeded unchanged", err)
	}
	if c.Err() != nil {
		t.Fatalf("session ended by an Accept timeout: %v", c.Err())
	}
}

func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func TestInvalidOptions(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if _, err := mux.Client(a, &mux.Options{FrameSize: 10}); err == nil {
		t.Error("Client accepted FrameSize 10")
	}
	if _, err := mux.Dial(testCtx(t), "ws://127.0.0.1:1/", &mux.Options{StreamWindow: 1}); err == nil {
		t.Error("Dial accepted StreamWindow 1")
	}
	defer func() {
		if recover() == nil {
			t.Error("Pipe did not panic on invalid options")
		}
	}()
	mux.Pipe(&mux.Options{AcceptBacklog: -1})
}

func TestNumStreamsAndAddrs(t *testing.T) {
	c, s := muxtest.TCPPair(t, nil)
	ctx := testCtx(t)
	st, err := c.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := c.NumStreams(); n != 1 {
		t.Errorf("NumStreams = %d, want 1", n)
	}
	_ = st.Close()
	if c.LocalAddr().String() != s.RemoteAddr().String() {
		t.Errorf("client local %v != server remote %v", c.LocalAddr(), s.RemoteAddr())
	}
}
