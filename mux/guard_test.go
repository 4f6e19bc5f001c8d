package mux_test

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/telechan/telechan/mux"
)

// yamuxFrame returns a yamux frame header (version 0) with no body.
func yamuxFrame(typ uint8, flags uint16, id, length uint32) []byte {
	h := make([]byte, 12)
	h[1] = typ
	binary.BigEndian.PutUint16(h[2:], flags)
	binary.BigEndian.PutUint32(h[4:], id)
	binary.BigEndian.PutUint32(h[8:], length)
	return h
}

// TestPingFloodEndsSession: a peer that writes pings and never reads their
// answers made yamux start one goroutine per ping; the session now ends
// once more than a few dozen answers are owed, and its goroutines go.
func TestPingFloodEndsSession(t *testing.T) {
	before := runtime.NumGoroutine()
	a, b := net.Pipe()
	srv, err := mux.Server(b, &mux.Options{KeepAliveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	go func() { // the flood; never reads
		for i := uint32(1); i < 100000; i++ {
			if _, err := a.Write(yamuxFrame(2, 1, 0, i)); err != nil {
				return
			}
		}
	}()
	select {
	case <-srv.Done():
	case <-time.After(10 * time.Second):
		t.Fatalf("the session is still up; %d goroutines", runtime.NumGoroutine())
	}
	if err := srv.Err(); !errors.Is(err, mux.ErrLost) || !strings.Contains(err.Error(), "pings") {
		t.Fatalf("Err = %v, want a lost session blaming the pings", err)
	}
	a.Close()
	srv.Close()
	// yamux's answering goroutines see the shutdown and return.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after the flood, %d before", runtime.NumGoroutine(), before)
		}
		time.Sleep(time.Millisecond) // polling a count; nothing to wait on
	}
}

// halfClosedPair returns a server session whose peer (a plain client
// session) never closes the streams it accepts: the server opens n
// streams and closes each, and the peer just holds them.
func halfClosedPair(t *testing.T, opts *mux.Options, n int) (srv, peer *mux.Session) {
	t.Helper()
	a, b := net.Pipe()
	peer, err := mux.Client(a, &mux.Options{KeepAliveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	srv, err = mux.Server(b, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close(); peer.Close() })
	ctx := testCtx(t)
	accepted := make(chan struct{})
	go func() { // the peer accepts and keeps every stream, reading nothing
		for {
			if _, err := peer.Accept(ctx); err != nil {
				return
			}
			accepted <- struct{}{}
		}
	}()
	for range n {
		st, err := srv.Open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Write([]byte("bye")); err != nil {
			t.Fatal(err)
		}
		// Close once the peer has accepted: yamux never acknowledges a
		// stream closed before it was accepted, and each such stream
		// holds one of the opener's AcceptBacklog credits until it is
		// released (here, forgotten).
		<-accepted
		st.Close()
	}
	return srv, peer
}

// waitStreams waits until s holds at most n streams.
func waitStreams(t *testing.T, s *mux.Session, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.NumStreams() > n {
		if time.Now().After(deadline) {
			t.Fatalf("%d streams still held, want at most %d", s.NumStreams(), n)
		}
		time.Sleep(5 * time.Millisecond) // polling a count; nothing to wait on
	}
}

// TestHalfClosedForgotten: streams this side closed whose FIN never comes
// are forgotten after HalfCloseTimeout (the keepalive's answers give the
// session the moment to do it), so a peer that never closes cannot make
// the session hold every stream it ever had.
func TestHalfClosedForgotten(t *testing.T) {
	srv, _ := halfClosedPair(t, &mux.Options{HalfCloseTimeout: 50 * time.Millisecond, KeepAliveInterval: 20 * time.Millisecond}, 100)
	waitStreams(t, srv, 0)
	if err := srv.Err(); err != nil {
		t.Fatalf("the session ended: %v", err)
	}
}

// TestHalfClosedBounded: however long the timeout, at most 1024 closed
// streams wait for the peer's FIN.
func TestHalfClosedBounded(t *testing.T) {
	srv, _ := halfClosedPair(t, &mux.Options{HalfCloseTimeout: time.Hour, KeepAliveInterval: 20 * time.Millisecond}, 1500)
	waitStreams(t, srv, 1024)
}

// TestPeerStillReadsForgotten: forgetting a stream loses nothing the peer
// has not read yet: it reads all of it and the end.
func TestPeerStillReadsForgotten(t *testing.T) {
	a, b := net.Pipe()
	peer, err := mux.Client(a, &mux.Options{KeepAliveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := mux.Server(b, &mux.Options{HalfCloseTimeout: time.Millisecond, KeepAliveInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Close(); peer.Close() }()
	ctx := testCtx(t)
	st, err := srv.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	msg := strings.Repeat("frame ", 20000)
	if _, err := st.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	st.Close()
	pst, err := peer.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitStreams(t, srv, 0) // forgotten before the peer read a byte
	got, err := io.ReadAll(pst)
	if err != nil || string(got) != msg {
		t.Fatalf("peer read %d bytes, %v; want all %d", len(got), err, len(msg))
	}
}

// TestCloseWriteNotForgotten: a stream closed with CloseWrite goes on
// receiving for as long as the peer sends.
func TestCloseWriteNotForgotten(t *testing.T) {
	a, b := net.Pipe()
	peer, err := mux.Client(a, &mux.Options{KeepAliveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := mux.Server(b, &mux.Options{HalfCloseTimeout: time.Millisecond, KeepAliveInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Close(); peer.Close() }()
	ctx := testCtx(t)
	st, err := srv.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.Write([]byte("x"))
	st.CloseWrite()
	pst, err := peer.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 { // many keepalive rounds, each a chance to forget
		time.Sleep(10 * time.Millisecond) // the peer is slow on purpose
		if _, err := pst.Write([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	pst.Close()
	got, err := io.ReadAll(st)
	if err != nil || len(got) != 20 {
		t.Fatalf("read %d bytes, %v; want 20", len(got), err)
	}
}

// TestMaxStreams: Open refuses beyond MaxStreams, and a peer that opens
// far beyond it ends the session.
func TestMaxStreams(t *testing.T) {
	a, b := net.Pipe()
	cl, err := mux.Client(a, &mux.Options{KeepAliveInterval: -1, MaxStreams: 100000})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := mux.Server(b, &mux.Options{KeepAliveInterval: -1, MaxStreams: 8, AcceptBacklog: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Close(); cl.Close() }()
	ctx := testCtx(t)
	go func() {
		for {
			if _, err := cl.Accept(ctx); err != nil {
				return
			}
		}
	}()
	for i := range 8 {
		if _, err := srv.Open(ctx); err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
	}
	if _, err := srv.Open(ctx); !errors.Is(err, mux.ErrTooManyStreams) {
		t.Fatalf("open 9: %v, want ErrTooManyStreams", err)
	}
	accepted := make(chan struct{}, 64)
	go func() { // the server takes every stream, as telechan's accept loop does
		for {
			if _, err := srv.Accept(ctx); err != nil {
				return
			}
			accepted <- struct{}{}
		}
	}()
	// The peer opens one stream after another, each once the last was
	// taken: a burst would find yamux's accept backlog full, and yamux
	// resets what does not fit, which holds nothing.
	timeout := time.After(10 * time.Second)
opens:
	for range 40 { // 8 + 4 are tolerated
		st, err := cl.Open(ctx)
		if err != nil {
			break
		}
		st.Write([]byte("x"))
		select {
		case <-accepted:
		case <-srv.Done():
			break opens
		case <-timeout:
			t.Fatal("a stream was not accepted")
		}
	}
	select {
	case <-srv.Done():
	case <-timeout:
		t.Fatal("the session survived the peer's streams")
	}
	if err := srv.Err(); !strings.Contains(err.Error(), "MaxStreams") {
		t.Fatalf("Err = %v", err)
	}
}
