package mux

import (
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// fault is what happens to one connection of a resumable pair: cut (closed
// abruptly) once it has carried cutAt bytes both ways together, or frozen
// (nothing moves, nothing closes) from then on. Zero: left alone.
type fault struct {
	cutAt    int64
	freezeAt int64
}

// faultyConn is a server-side connection that breaks as its fault says.
type faultyConn struct {
	net.Conn
	f      fault
	n      atomic.Int64
	frozen chan struct{} // closed when frozen
	once   sync.Once
	closed chan struct{}
	cOnce  sync.Once
}

func (c *faultyConn) count(k int) error {
	n := c.n.Add(int64(k))
	if c.f.cutAt > 0 && n >= c.f.cutAt {
		c.Close()
		return net.ErrClosed
	}
	if c.f.freezeAt > 0 && n >= c.f.freezeAt {
		c.once.Do(func() { close(c.frozen) })
		<-c.closed // a frozen connection moves nothing until it is closed
		return net.ErrClosed
	}
	return nil
}

func (c *faultyConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if ferr := c.count(n); ferr != nil {
		return 0, ferr
	}
	return n, err
}

func (c *faultyConn) Write(p []byte) (int, error) {
	if err := c.count(len(p)); err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}

func (c *faultyConn) Close() error {
	c.cOnce.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

// faultyListener gives the i-th accepted connection the i-th fault.
type faultyListener struct {
	net.Listener
	mu     sync.Mutex
	faults []fault
	conns  int
	all    []net.Conn
}

func (l *faultyListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	var f fault
	if l.conns < len(l.faults) {
		f = l.faults[l.conns]
	}
	l.conns++
	fc := &faultyConn{Conn: c, f: f, frozen: make(chan struct{}), closed: make(chan struct{})}
	l.all = append(l.all, fc)
	l.mu.Unlock()
	return fc, nil
}

// closeAll closes every connection accepted so far, abruptly.
func (l *faultyListener) closeAll() {
	l.mu.Lock()
	conns := l.all
	l.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

func (l *faultyListener) accepted() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.conns
}

// resumePair returns a resumable client and server session over a loopback
// WebSocket whose connections break as faults say, and the listener.
func resumePair(t *testing.T, o *Options, faults ...fault) (client, server *Session, ln *faultyListener) {
	t.Helper()
	sessions := make(chan *Session, 1)
	var handlers sync.WaitGroup
	h := Handler(func(ctx context.Context, s *Session) {
		handlers.Add(1)
		defer handlers.Done()
		sessions <- s
		<-ctx.Done()
	}, o)
	srv := httptest.NewUnstartedServer(h)
	ln = &faultyListener{Listener: srv.Listener, faults: faults}
	srv.Listener = ln
	srv.Start()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client, err := Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), o)
	if err != nil {
		srv.Close()
		t.Fatal(err)
	}
	server = <-sessions
	t.Cleanup(func() {
		client.Close()
		server.Close()
		handlers.Wait()
		srv.Close()
	})
	return client, server, ln
}

// exchange sends size pseudo-random bytes each way on a stream each side
// opens, and checks that every byte arrived once and in order.
func exchange(t *testing.T, client, server *Session, size int, seed uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	data := func(s uint64) []byte {
		r := rand.New(rand.NewPCG(s, s))
		b := make([]byte, size)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	up, down := data(seed), data(seed+1)
	errs := make(chan error, 4)
	send := func(s *Session, b []byte) {
		st, err := s.Open(ctx)
		if err == nil {
			_, err = st.Write(b)
			st.Close()
		}
		errs <- err
	}
	recv := func(s *Session, want []byte) {
		st, err := s.Accept(ctx)
		if err != nil {
			errs <- err
			return
		}
		got, err := io.ReadAll(st)
		if err == nil && sha256.Sum256(got) != sha256.Sum256(want) {
			err = fmt.Errorf("received %d bytes, not the %d sent", len(got), len(want))
		}
		errs <- err
	}
	go send(client, up)
	go send(server, down)
	go recv(server, up)
	go recv(client, down)
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// TestResumeCutAnywhere: the connection is cut at 40 byte positions, inside
// WebSocket messages, yamux frames and the layer's own frames alike; each
// time the session resumes and every byte arrives exactly once, in order.
func TestResumeCutAnywhere(t *testing.T) {
	positions := 40
	if testing.Short() {
		positions = 10
	}
	for i := range positions {
		at := int64(2000 + i*13331) // odd steps: every kind of boundary
		t.Run(fmt.Sprint(at), func(t *testing.T) {
			c, s, ln := resumePair(t, nil, fault{cutAt: at})
			exchange(t, c, s, 256<<10, uint64(i))
			if ln.accepted() < 2 {
				t.Fatalf("the connection was never cut (%d accepted)", ln.accepted())
			}
			if st, _ := c.State(); st != Resumed {
				t.Fatalf("client state %v, want resumed", st)
			}
		})
	}
}

// TestResumeMixedWrites: streams in both directions write pieces of every
// size at once, from one byte to more than a replay frame, so that the
// frames the layer gathers are grown, sealed and handed on in every order
// while the connection is cut twice; each stream's bytes arrive exactly
// once, in order.
func TestResumeMixedWrites(t *testing.T) {
	c, s, ln := resumePair(t, nil, fault{cutAt: 400000}, fault{cutAt: 900000})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const streams = 4
	sizes := []int{1, 12, 200, 3000, 16 << 10, 70 << 10, 300 << 10}
	errs := make(chan error, 4*streams)
	send := func(from *Session, seed uint64) {
		st, err := from.Open(ctx)
		if err != nil {
			errs <- err
			return
		}
		r := rand.New(rand.NewPCG(seed, seed))
		h := sha256.New()
		for range 40 {
			b := make([]byte, sizes[r.IntN(len(sizes))])
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			h.Write(b)
			if _, err := st.Write(b); err != nil {
				errs <- err
				return
			}
		}
		// The digest goes last, so the receiver checks it against
		// what came before.
		_, err = st.Write(h.Sum(nil))
		st.Close()
		errs <- err
	}
	recv := func(at *Session) {
		st, err := at.Accept(ctx)
		if err != nil {
			errs <- err
			return
		}
		got, err := io.ReadAll(st)
		if err == nil && len(got) < sha256.Size {
			err = fmt.Errorf("stream of %d bytes", len(got))
		}
		if err == nil {
			body, sum := got[:len(got)-sha256.Size], got[len(got)-sha256.Size:]
			if d := sha256.Sum256(body); string(d[:]) != string(sum) {
				err = fmt.Errorf("a stream of %d bytes arrived changed", len(body))
			}
		}
		errs <- err
	}
	for i := range streams {
		go send(c, uint64(i))
		go send(s, uint64(100+i))
		go recv(s)
		go recv(c)
	}
	for range 4 * streams {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := ln.accepted(); n < 3 {
		t.Fatalf("%d connections, want 3: the cuts did not happen", n)
	}
}

// TestResumeRepeatedCuts: five connections in a row are cut a little way
// in; the session resumes each time.
func TestResumeRepeatedCuts(t *testing.T) {
	c, s, ln := resumePair(t, nil, fault{cutAt: 30000}, fault{cutAt: 20000}, fault{cutAt: 50000}, fault{cutAt: 9000}, fault{cutAt: 70000})
	exchange(t, c, s, 1<<20, 7)
	if n := ln.accepted(); n < 6 {
		t.Fatalf("%d connections, want 6", n)
	}
	exchange(t, c, s, 64<<10, 8) // and it goes on
}

// TestResumeFrozen: the connection stops moving bytes without closing;
// the keepalive notices, the client dials a fresh one, and nothing is
// lost.
func TestResumeFrozen(t *testing.T) {
	o := &Options{KeepAliveInterval: 50 * time.Millisecond, KeepAliveTimeout: 150 * time.Millisecond}
	c, s, ln := resumePair(t, o, fault{freezeAt: 40000})
	exchange(t, c, s, 256<<10, 9)
	if ln.accepted() < 2 {
		t.Fatal("the frozen connection was never replaced")
	}
}

// TestResumeStates: the client's state goes reconnecting, then resumed;
// each change closes the channel State returned.
func TestResumeStates(t *testing.T) {
	c, s, _ := resumePair(t, nil, fault{cutAt: 5000})
	st, changed := c.State()
	if st != Connected {
		t.Fatalf("state %v, want connected", st)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		ctx := context.Background()
		if st, err := c.Open(ctx); err == nil {
			st.Write(make([]byte, 64<<10))
			st.Close()
		}
	}()
	defer func() { <-done }()
	var seen []State
	for len(seen) < 2 {
		select {
		case <-changed:
		case <-time.After(10 * time.Second):
			t.Fatalf("states seen: %v", seen)
		}
		st, changed = c.State()
		seen = append(seen, st)
	}
	if seen[0] != Reconnecting || seen[1] != Resumed {
		t.Fatalf("states %v, want reconnecting, resumed", seen)
	}
	_ = s
}

// TestResumeGraceEnds: with the server gone for good, the client session
// ends after its grace window with ErrNotResumed, which matches ErrLost.
func TestResumeGraceEnds(t *testing.T) {
	grace := 300 * time.Millisecond
	c, _, ln := resumePair(t, &Options{ResumeGrace: grace}, fault{cutAt: 3000})
	ln.Listener.Close() // the server is unreachable from now on
	go func() {
		st, err := c.Open(context.Background())
		if err == nil {
			st.Write(make([]byte, 64<<10))
		}
	}()
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the session outlived its grace window")
	}
	if err := c.Err(); !errors.Is(err, ErrNotResumed) || !errors.Is(err, ErrLost) {
		t.Fatalf("Err = %v, want ErrNotResumed and ErrLost", err)
	}
	if st, _ := c.State(); st != Lost {
		t.Fatalf("state %v", st)
	}
}

// rawResume dials url as a client that resumes with tok, and returns the
// server's answer.
func rawResume(t *testing.T, url string, tok token, header http.Header) serverWelcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{resumeProtocol}, HTTPHeader: header})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	nc := websocket.NetConn(ctx, ws, websocket.MessageBinary)
	if _, err := nc.Write(clientHello{tok: tok}.append(nil)); err != nil {
		t.Fatal(err)
	}
	w, err := readServerWelcome(bufio.NewReader(nc))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestResumeRefused: a resume with a token the server never gave, with one
// already used, or with a session's token but other credentials, is
// refused; the session it named goes on.
func TestResumeRefused(t *testing.T) {
	o := &Options{Authorize: BearerToken("robot-a", "robot-b")}
	co := &Options{HTTPHeader: http.Header{"Authorization": {"Bearer robot-a"}}}
	sessions := make(chan *Session, 1)
	srv := httptest.NewServer(Handler(func(ctx context.Context, s *Session) {
		sessions <- s
		<-ctx.Done()
	}, o))
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	c, err := Dial(context.Background(), url, co)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s := <-sessions
	defer s.Close()
	first := c.resume.token()

	if w := rawResume(t, url, newToken(), co.HTTPHeader); w.status != rsmRefused || !strings.Contains(w.reason, "no such session") {
		t.Errorf("unknown token: %+v", w)
	}
	stolen := http.Header{"Authorization": {"Bearer robot-b"}}
	if w := rawResume(t, url, first, stolen); w.status != rsmRefused || !strings.Contains(w.reason, "credentials") {
		t.Errorf("token used with other credentials: %+v", w)
	}
	// The owner resumes (its connection is cut), and gets a new token.
	c.resume.dropTransport(errors.New("test: cut"))
	exchange(t, c, s, 16<<10, 3)
	if c.resume.token() == first {
		t.Fatal("the token was not replaced at the resume")
	}
	if w := rawResume(t, url, first, co.HTTPHeader); w.status != rsmRefused {
		t.Errorf("a token already used: %+v", w)
	}
	exchange(t, c, s, 16<<10, 4) // the session goes on
}

// TestResumeServerRestarted: the server the session was on is gone and
// another one answers at the address: it does not know the session, and
// the client ends at once with ErrNotResumed, well before the grace
// window.
func TestResumeServerRestarted(t *testing.T) {
	dead := make(chan *Session, 1) // the first server's session, which "died" with it
	first := httptest.NewUnstartedServer(Handler(func(ctx context.Context, s *Session) {
		dead <- s
		<-ctx.Done()
	}, nil))
	ln := &faultyListener{Listener: first.Listener, faults: []fault{{freezeAt: 1 << 40}}}
	first.Listener = ln
	first.Start()
	second := httptest.NewServer(Handler(func(ctx context.Context, s *Session) { <-ctx.Done() }, nil))
	defer second.Close()
	url := "ws" + strings.TrimPrefix(first.URL, "http")
	var redials atomic.Int32
	o := &Options{Redial: func(context.Context) (string, error) {
		redials.Add(1)
		return "ws" + strings.TrimPrefix(second.URL, "http"), nil
	}}
	c, err := Dial(context.Background(), url, o)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	defer (<-dead).Close() // a real restart would have ended it with the process
	start := time.Now()
	ln.closeAll() // the first server dies: its connections with it
	first.Close()
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the session did not end")
	}
	if err := c.Err(); !errors.Is(err, ErrNotResumed) || !strings.Contains(err.Error(), "no such session") {
		t.Fatalf("Err = %v", err)
	}
	if d := time.Since(start); d > defaultResumeGrace/2 || redials.Load() == 0 {
		t.Fatalf("ended after %v and %d redials", d, redials.Load())
	}
}

// TestResumeReplayFull: while the connection is down, writes go into the
// replay buffer until it is full, then wait (as on a slow link); after the
// resume everything arrives.
func TestResumeReplayFull(t *testing.T) {
	o := &Options{ReplayBuffer: 64 << 10}
	c, s, _ := resumePair(t, o, fault{cutAt: 100000})
	exchange(t, c, s, 512<<10, 5)
}

// TestResumeAcksRide: during a one-way bulk transfer the receiver's
// acknowledgements ride on the window updates it sends back anyway,
// rather than each taking a WebSocket message (and a system call each
// side) of its own: 8 MiB received take far fewer lone Acks than the 128
// an Ack every 64 KiB would. The timer that sends an Ack no data carried
// is set long, so that a slow run (under the race detector) does not
// count its Acks.
func TestResumeAcksRide(t *testing.T) {
	client, server, _ := resumePair(t, &Options{ackDelay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const size = 8 << 20
	errs := make(chan error, 1)
	go func() {
		st, err := client.Open(ctx)
		if err == nil {
			_, err = st.Write(make([]byte, size))
			st.Close()
		}
		errs <- err
	}()
	st, err := server.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, st)
	if err != nil || n != size {
		t.Fatalf("received %d bytes, %v", n, err)
	}
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	if alone := server.resume.acksAlone.Load(); alone > 16 {
		t.Errorf("the receiver sent %d Acks in messages of their own for %d MiB", alone, size>>20)
	}
}

// TestReplayCountsMemory: small writes during an outage each take a frame
// of their own; the replay buffer counts the memory those frames hold, not
// only their payload, so 10,000 writes of 20 bytes hold less than the
// ReplayBuffer (they would hold 40 MiB in 4 KiB frames counted as 200 KB).
func TestReplayCountsMemory(t *testing.T) {
	o, err := (&Options{}).withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	c := newResumeConn(true, o, token{})
	defer c.Close()
	msg := make([]byte, 20)
	for range 10000 {
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	held := 0
	for _, s := range c.replay {
		held += cap(s.frame)
	}
	if held > o.ReplayBuffer || held != c.replayed {
		t.Errorf("the replay buffer holds %d bytes in frames and counts %d; its bound is %d", held, c.replayed, o.ReplayBuffer)
	}
}
