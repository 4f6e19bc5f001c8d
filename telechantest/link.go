package telechantest

import (
	"net"
	"sync"
	"time"

	"github.com/telechan/telechan/internal/test/linkemu"
)

// Profile describes one direction of an emulated link: a bottleneck that
// holds Buffer bytes and sends them on at Bandwidth, then a wire that takes
// Delay to cross. The zero Profile is loopback as it is.
type Profile struct {
	// Bandwidth in bits per second; 0 means unlimited.
	Bandwidth int64
	// Delay is the one-way delay.
	Delay time.Duration
	// Buffer is how many bytes the bottleneck holds before a writer
	// waits; 0 means 2 MiB.
	Buffer int
}

// FourG is a 4G uplink: 10 Mbit/s, a 2 MiB buffer (1.7 s of queue when
// full) and 25 ms of delay, each way.
var FourG = Profile{Bandwidth: 10_000_000, Delay: 25 * time.Millisecond, Buffer: 2 << 20}

func (p Profile) emu() linkemu.Profile {
	return linkemu.Profile{Name: "telechantest", Bandwidth: p.Bandwidth, Delay: p.Delay, Buffer: p.Buffer}
}

// Link is the network under a pair: every connection the pair's two
// sides make to each other goes through it. Its methods may be called at
// any time from any goroutine.
type Link struct {
	mu      sync.Mutex
	changed *sync.Cond // broadcast on Thaw, Cut and every Close
	conns   map[*linkConn]bool
	frozen  bool
	down    bool // refuse new connections (Down, until Up)
	profile Profile
}

func newLink(p Profile) *Link {
	l := &Link{profile: p, conns: map[*linkConn]bool{}}
	l.changed = sync.NewCond(&l.mu)
	return l
}

// Cut closes every connection of the link at once, without a goodbye: what
// was in flight is lost, as on a network that dropped the connection. A
// session over a pipe is lost; a WebSocket session (resumable by default)
// dials again and resumes, unless the link is Down.
func (l *Link) Cut() {
	l.mu.Lock()
	var conns []*linkConn
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.changed.Broadcast()
	l.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// Down cuts the link and refuses new connections until Up: a tunnel, a
// dead radio. A resumable session waits for the link to come back for its
// grace window (mux.Options.ResumeGrace), then ends with mux.ErrNotResumed.
func (l *Link) Down() {
	l.mu.Lock()
	l.down = true
	l.mu.Unlock()
	l.Cut()
}

// Up lets new connections through again.
func (l *Link) Up() {
	l.mu.Lock()
	l.down = false
	l.mu.Unlock()
}

// Freeze stops every byte on the link, both ways, without closing
// anything: writes stall once the buffers are full and nothing arrives, as
// in a tunnel. Keepalives then declare the connection dead after
// mux.Options.KeepAliveInterval plus KeepAliveTimeout, unless Thaw comes
// first; a resumable session then dials again, through the same frozen
// link, until its grace window ends.
func (l *Link) Freeze() {
	l.mu.Lock()
	l.frozen = true
	l.mu.Unlock()
}

// Thaw lets bytes move again; what was held back is delivered, in order.
func (l *Link) Thaw() {
	l.mu.Lock()
	l.frozen = false
	l.changed.Broadcast()
	l.mu.Unlock()
}

// wrap puts c on the link: shaped by the profile, cut by Cut, stalled by
// Freeze.
func (l *Link) wrap(c net.Conn) net.Conn {
	if p := l.profile; p != (Profile{}) {
		c = linkemu.Wrap(c, p.emu())
	}
	lc := &linkConn{Conn: c, l: l}
	l.mu.Lock()
	down := l.down
	if !down {
		l.conns[lc] = true
	}
	l.mu.Unlock()
	if down {
		lc.Close()
	}
	return lc
}

// linkConn is one end of a connection on a Link.
type linkConn struct {
	net.Conn
	l      *Link
	closed bool // guarded by l.mu
}

// wait blocks while the link is frozen; it reports false once c is closed
// (or cut).
func (c *linkConn) wait() bool {
	l := c.l
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.frozen && !c.closed {
		l.changed.Wait()
	}
	return !c.closed
}

func (c *linkConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if !c.wait() { // what arrived while frozen waits for the thaw
		return 0, net.ErrClosed
	}
	return n, err
}

func (c *linkConn) Write(p []byte) (int, error) {
	if !c.wait() {
		return 0, net.ErrClosed
	}
	return c.Conn.Write(p)
}

func (c *linkConn) Close() error {
	c.l.mu.Lock()
	c.closed = true
	delete(c.l.conns, c)
	c.l.changed.Broadcast()
	c.l.mu.Unlock()
	return c.Conn.Close()
}
