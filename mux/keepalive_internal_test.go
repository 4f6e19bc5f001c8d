package mux

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"
)

// blackhole cuts the connection between the two ends it wraps: after cut,
// what either end writes vanishes, and what it reads is dropped, even the end
// of the connection, so neither side sees anything but silence, as from a
// peer that vanished.
type blackhole struct {
	once sync.Once
	cutc chan struct{}
}

func newBlackhole() *blackhole { return &blackhole{cutc: make(chan struct{})} }

func (b *blackhole) cut() { b.once.Do(func() { close(b.cutc) }) }

func (b *blackhole) isCut() bool {
	select {
	case <-b.cutc:
		return true
	default:
		return false
	}
}

// wrap returns c as one end of the blackhole.
func (b *blackhole) wrap(c net.Conn) net.Conn {
	return &cutConn{Conn: c, b: b, closed: make(chan struct{})}
}

type cutConn struct {
	net.Conn
	b      *blackhole
	once   sync.Once
	closed chan struct{}
}

func (c *cutConn) Read(p []byte) (int, error) {
	for {
		n, err := c.Conn.Read(p)
		switch {
		case !c.b.isCut():
			return n, err
		case err != nil:
			<-c.closed // the peer's close does not get through either
			return 0, err
		}
	}
}

func (c *cutConn) Write(p []byte) (int, error) {
	if c.b.isCut() {
		return len(p), nil
	}
	return c.Conn.Write(p)
}

func (c *cutConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

// blackholePairs builds session pairs whose connection a test can cut.
var blackholePairs = []struct {
	name string
	pair func(t *testing.T, o *Options) (c, s *Session, cut func())
}{
	{"conn", func(t *testing.T, o *Options) (*Session, *Session, func()) {
		bh := newBlackhole()
		a, b := net.Pipe()
		c, err := Client(bh.wrap(a), o)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Server(bh.wrap(b), o)
		if err != nil {
			t.Fatal(err)
		}
		return c, s, bh.cut
	}},
	{"websocket", func(t *testing.T, o *Options) (*Session, *Session, func()) {
		bh := newBlackhole()
		c, s := pipe(mustOptions(t, o), bh.wrap)
		return c, s, bh.cut
	}},
}

// TestKeepAliveBlackhole: a peer that goes silent is noticed within
// KeepAliveInterval+KeepAliveTimeout, and every blocked call returns.
func TestKeepAliveBlackhole(t *testing.T) {
	const interval, timeout = 100 * time.Millisecond, 200 * time.Millisecond
	const slack = time.Second // scheduling under -race on a busy machine
	for _, tc := range blackholePairs {
		t.Run(tc.name, func(t *testing.T) {
			c, s, cut := tc.pair(t, &Options{KeepAliveInterval: interval, KeepAliveTimeout: timeout})
			defer c.Close()
			defer s.Close()
			ctx := context.Background()
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

			cut()
			start := time.Now()
			errs := make(chan error, 4)
			go func() { _, err := c.Accept(ctx); errs <- err }()
			go func() { _, err := sst.Read(make([]byte, 2)); errs <- err }() // 'x' then blocks
			go func() { _, err := sst.Read(make([]byte, 1)); errs <- err }()
			go func() { // fills the window, then blocks
				_, err := cst.Write(make([]byte, 2*defaultStreamWindow))
				errs <- err
			}()
			for _, sess := range []*Session{c, s} {
				select {
				case <-sess.Done():
				case <-time.After(10 * time.Second):
					t.Fatal("blackholed session never ended")
				}
			}
			if d := time.Since(start); d > interval+timeout+slack {
				t.Errorf("loss noticed after %v, want within %v (+%v slack)", d, interval+timeout, slack)
			}
			for _, sess := range []*Session{c, s} {
				if err := sess.Err(); !errors.Is(err, ErrLost) || !errors.Is(err, errKeepAlive) {
					t.Errorf("Err = %v, want ErrLost with keepalive timeout", err)
				}
			}
			for range 4 {
				if err := <-errs; err != nil && !errors.Is(err, ErrLost) {
					t.Errorf("blocked call returned %v, want ErrLost", err)
				}
			}
		})
	}
}

// TestWriteTimeoutEndsSession: a connection that takes no bytes at all is
// declared dead after KeepAliveTimeout, even with keepalive disabled.
func TestWriteTimeoutEndsSession(t *testing.T) {
	a, b := net.Pipe() // nobody reads b
	defer b.Close()
	c, err := Client(a, &Options{KeepAliveInterval: -1, KeepAliveTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	st, err := c.Open(context.Background())
	if err == nil {
		_, err = st.Write([]byte("x"))
	}
	if !errors.Is(err, ErrLost) || !errors.Is(c.Err(), errWriteTimeout) {
		t.Fatalf("Open/Write = %v, Err = %v; want ErrLost by write timeout", err, c.Err())
	}
}

// pingCounter counts the keepalive answers (ping ACKs) read from a conn.
type pingCounter struct {
	net.Conn
	sc    frameScanner
	pongs chan struct{}
}

func (c *pingCounter) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.sc.scan(p[:n], c)
	return n, err
}

func (c *pingCounter) start(header) {}
func (c *pingCounter) end(h header) {
	if h.typ == typePing && h.flags&flagACK != 0 {
		select {
		case c.pongs <- struct{}{}:
		default:
		}
	}
}

// TestKeepAliveHealthy: pings flow and answered pings keep the session up.
func TestKeepAliveHealthy(t *testing.T) {
	a, b := net.Pipe()
	pc := &pingCounter{Conn: a, pongs: make(chan struct{}, 1)}
	o := &Options{KeepAliveInterval: 5 * time.Millisecond, KeepAliveTimeout: time.Second}
	c, err := Client(pc, o)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := Server(b, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for range 5 {
		select {
		case <-pc.pongs:
		case <-time.After(10 * time.Second):
			t.Fatal("no keepalive answer")
		}
	}
	if c.Err() != nil || s.Err() != nil {
		t.Fatalf("healthy session ended: %v, %v", c.Err(), s.Err())
	}
}
