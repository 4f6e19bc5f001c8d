package linkemu

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Pipe returns the two ends of an in-memory connection shaped by p in both
// directions. Each direction is a link of its own (its own bottleneck and
// pump goroutine), so a full uplink does not slow the downlink. Bytes that
// have arrived wait for the reader in a receive buffer (see the package
// documentation); unlike net.Pipe, Write returns once its bytes are queued.
//
// Closing either end stops both directions and waits for their goroutines.
// Bytes that have already arrived at the other end stay readable, then it
// reads io.EOF; bytes still queued or in flight are dropped, and its writes
// fail with io.ErrClosedPipe. Calls on a closed end fail with net.ErrClosed.
//
// Pipe panics if p has a negative field.
func Pipe(p Profile) (a, b net.Conn) {
	p.check("Pipe")
	ab, ba := newLink(p), newLink(p)
	return newPipeConn(ba, ab, "a", "b", p.Name), newPipeConn(ab, ba, "b", "a", p.Name)
}

// pipeConn is one end of a Pipe. Its methods are safe for concurrent use;
// concurrent Reads, and concurrent Writes, are serialised.
type pipeConn struct {
	rd, wr        *link     // the peer's egress, and ours
	rdl, wdl      *deadline // read and write deadlines
	local, remote pipeAddr
	closed        atomic.Bool
	once          sync.Once
}

func newPipeConn(rd, wr *link, local, remote, name string) *pipeConn {
	if name == "" {
		name = "linkemu"
	}
	return &pipeConn{
		rd: rd, wr: wr,
		rdl: newDeadline(), wdl: newDeadline(),
		local: pipeAddr(name + ":" + local), remote: pipeAddr(name + ":" + remote),
	}
}

func (c *pipeConn) Read(p []byte) (int, error) {
	if c.closed.Load() {
		return 0, c.opError("read", net.ErrClosed)
	}
	n, err := c.rd.read(p, c.rdl)
	if err == io.EOF && !c.closed.Load() {
		return n, io.EOF // the io.Reader contract: io.EOF itself
	}
	return n, c.opError("read", err)
}

func (c *pipeConn) Write(p []byte) (int, error) {
	if c.closed.Load() {
		return 0, c.opError("write", net.ErrClosed)
	}
	n, err := c.wr.write(p, c.wdl)
	return n, c.opError("write", err)
}

// Close closes both directions and waits for their goroutines. Later calls
// return nil.
func (c *pipeConn) Close() error {
	c.once.Do(func() {
		c.closed.Store(true)
		c.wr.shutdown(net.ErrClosed, io.EOF)
		c.rd.shutdown(io.ErrClosedPipe, net.ErrClosed)
	})
	return nil
}

// opError wraps err like the net package does; a call on a closed end
// always reports net.ErrClosed.
func (c *pipeConn) opError(op string, err error) error {
	if err == nil {
		return nil
	}
	if c.closed.Load() {
		err = net.ErrClosed
	}
	return &net.OpError{Op: op, Net: c.local.Network(), Source: c.local, Addr: c.remote, Err: err}
}

func (c *pipeConn) LocalAddr() net.Addr  { return c.local }
func (c *pipeConn) RemoteAddr() net.Addr { return c.remote }

func (c *pipeConn) SetDeadline(t time.Time) error {
	c.rdl.set(t)
	c.wdl.set(t)
	return nil
}

func (c *pipeConn) SetReadDeadline(t time.Time) error {
	c.rdl.set(t)
	return nil
}

func (c *pipeConn) SetWriteDeadline(t time.Time) error {
	c.wdl.set(t)
	return nil
}

// pipeAddr is the address of a Pipe end: the profile's name and a or b.
type pipeAddr string

func (a pipeAddr) Network() string { return "pipe" }
func (a pipeAddr) String() string  { return string(a) }
