// Package faulttest provides broken transports for fault tests: a
// connection cut after N bytes, a peer that vanishes without a FIN, a peer
// whose writes block, and a heap meter.
//
// Every wrapper is a net.Conn that a mux session takes over; none starts a
// goroutine, so leak checks see only the goroutines of the code under test.
package faulttest

import (
	"context"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/telechan/telechan/mux"
)

// Cut is a kill switch shared by the two ends of a connection: once Limit
// bytes have been written through either end (both directions counted
// together), the write that crosses the limit fails and both ends are
// closed, so every byte after the cut point is lost.
type Cut struct {
	Limit int64 // 0 or less: never cut by count

	written atomic.Int64
	once    sync.Once
	mu      sync.Mutex
	conns   []net.Conn
	fired   atomic.Bool
}

// NewCut returns a Cut at limit bytes.
func NewCut(limit int64) *Cut { return &Cut{Limit: limit} }

// Wrap returns c, counted and closed by k.
func (k *Cut) Wrap(c net.Conn) net.Conn {
	k.mu.Lock()
	k.conns = append(k.conns, c)
	fired := k.fired.Load()
	k.mu.Unlock()
	if fired {
		c.Close()
	}
	return &cutConn{Conn: c, k: k}
}

// Fire cuts every connection k wrapped, now.
func (k *Cut) Fire() {
	k.once.Do(func() {
		k.mu.Lock()
		k.fired.Store(true)
		conns := k.conns
		k.mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
}

// Fired reports whether the connection was cut.
func (k *Cut) Fired() bool { return k.fired.Load() }

// Written returns the bytes written so far, both directions together.
func (k *Cut) Written() int64 { return k.written.Load() }

type cutConn struct {
	net.Conn
	k *Cut
}

func (c *cutConn) Write(p []byte) (int, error) {
	if c.k.Fired() {
		return 0, net.ErrClosed
	}
	total := c.k.written.Add(int64(len(p)))
	if c.k.Limit > 0 && total > c.k.Limit {
		// Let the bytes before the cut point through, so that the
		// cut can fall inside any frame or message.
		keep := int64(len(p)) - (total - c.k.Limit)
		if keep > 0 {
			c.Conn.Write(p[:keep])
		}
		c.k.Fire()
		return 0, net.ErrClosed
	}
	return c.Conn.Write(p)
}

// CutPair returns two sessions (mux.Client and mux.Server) over a net.Pipe
// that k cuts. Both are closed at cleanup.
func CutPair(tb testing.TB, k *Cut, opts *mux.Options) (client, server *mux.Session) {
	tb.Helper()
	a, b := net.Pipe()
	return pairOver(tb, k.Wrap(a), k.Wrap(b), opts, opts)
}

// pairOver runs a client session over a and a server session over b.
func pairOver(tb testing.TB, a, b net.Conn, copts, sopts *mux.Options) (client, server *mux.Session) {
	tb.Helper()
	client, err := mux.Client(a, copts)
	if err != nil {
		a.Close()
		b.Close()
		tb.Fatalf("faulttest: client: %v", err)
	}
	server, err = mux.Server(b, sopts)
	if err != nil {
		client.Close()
		b.Close()
		tb.Fatalf("faulttest: server: %v", err)
	}
	tb.Cleanup(func() {
		client.Close()
		server.Close()
	})
	return client, server
}

// HTTPClient returns an HTTP client whose connections k counts and cuts,
// for a WebSocket dialled over loopback TCP (mux.Dial, registry.Dial).
func HTTPClient(tb testing.TB, k *Cut) *http.Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			var d net.Dialer
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return k.Wrap(c), nil
		},
		DisableKeepAlives: true,
	}
	tb.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// Vanisher is a connection whose peer can vanish without a trace: after
// Vanish, every Write succeeds and goes nowhere, and everything the peer
// sends is dropped, so Read blocks until the connection is closed — a cable
// pulled, a NAT entry dropped, no FIN.
type Vanisher struct {
	net.Conn
	gone   chan struct{}
	closed chan struct{}
	vOnce  sync.Once
	cOnce  sync.Once
}

// NewVanisher wraps c.
func NewVanisher(c net.Conn) *Vanisher {
	return &Vanisher{Conn: c, gone: make(chan struct{}), closed: make(chan struct{})}
}

// Vanish makes the peer disappear.
func (v *Vanisher) Vanish() { v.vOnce.Do(func() { close(v.gone) }) }

func (v *Vanisher) Read(p []byte) (int, error) {
	for {
		n, err := v.Conn.Read(p)
		select {
		case <-v.gone:
			if err != nil {
				return 0, err
			}
			continue // whatever the peer still sends is lost
		default:
			return n, err
		}
	}
}

func (v *Vanisher) Write(p []byte) (int, error) {
	select {
	case <-v.gone:
		return len(p), nil
	case <-v.closed:
		return 0, net.ErrClosed
	default:
	}
	return v.Conn.Write(p)
}

// Close closes the connection (our side only: the vanished peer never
// learns of it).
func (v *Vanisher) Close() error {
	v.cOnce.Do(func() { close(v.closed) })
	return v.Conn.Close()
}

// Blocker is a connection whose writes can be made to block, as towards a
// peer that stopped reading its socket: after Block, Write waits until the
// connection is closed. Reads go on.
type Blocker struct {
	net.Conn
	blocked chan struct{}
	closed  chan struct{}
	bOnce   sync.Once
	cOnce   sync.Once
}

// NewBlocker wraps c.
func NewBlocker(c net.Conn) *Blocker {
	return &Blocker{Conn: c, blocked: make(chan struct{}), closed: make(chan struct{})}
}

// Block makes every later Write wait until Close.
func (b *Blocker) Block() { b.bOnce.Do(func() { close(b.blocked) }) }

func (b *Blocker) Write(p []byte) (int, error) {
	select {
	case <-b.blocked:
		<-b.closed
		return 0, net.ErrClosed
	default:
	}
	return b.Conn.Write(p)
}

func (b *Blocker) Close() error {
	b.cOnce.Do(func() { close(b.closed) })
	return b.Conn.Close()
}

// Heap returns the bytes of live heap objects after a full collection.
func Heap() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
