package linkemu

import (
	"errors"
	"net"
	"sync"
	"time"
)

// Wrap returns c with what is written to it shaped by egress: Write queues
// the bytes in the bottleneck and returns, and a goroutine hands them to c
// once they have passed the bottleneck and the delay. Reads, addresses and
// SetReadDeadline go straight to c; wrap the other end too to shape the
// other direction. If egress has neither Bandwidth nor Delay, Wrap returns c
// itself.
//
// The returned conn owns c and two goroutines: the link's pump and a
// deliverer that writes to c. Close closes c, drops the bytes not yet handed
// to c (like a socket closed with a zero linger time) and waits for both
// goroutines. If a write to c fails, later Writes return its error.
//
// The write deadline bounds the wait for room in the bottleneck only; c
// itself never gets one, so a slow peer cannot cut a write to c in half.
// Wrap panics if egress has a negative field.
func Wrap(c net.Conn, egress Profile) net.Conn {
	egress.check("Wrap")
	if !egress.shaped() {
		return c
	}
	w := &conn{Conn: c, l: newLink(egress), wd: newDeadline()}
	w.wg.Add(1)
	go w.deliver()
	return w
}

// conn is the net.Conn returned by Wrap. Its methods are safe for
// concurrent use; concurrent Writes are serialised.
type conn struct {
	net.Conn           // reads go here directly
	l        *link     // what is written, on its way to Conn
	wd       *deadline // write deadline
	wg       sync.WaitGroup
	once     sync.Once
}

func (c *conn) Write(p []byte) (int, error) {
	n, err := c.l.write(p, c.wd)
	return n, opError("write", c.Conn, err)
}

// Close closes the connection and waits for its goroutines. Later calls
// return nil.
func (c *conn) Close() error {
	var err error
	c.once.Do(func() {
		c.l.shutdown(net.ErrClosed, net.ErrClosed) // waits for the pump
		err = c.Conn.Close()                       // unblocks deliver
		c.wg.Wait()
	})
	return err
}

func (c *conn) SetDeadline(t time.Time) error {
	c.wd.set(t)
	return c.Conn.SetReadDeadline(t)
}

func (c *conn) SetWriteDeadline(t time.Time) error {
	c.wd.set(t)
	return nil
}

// deliver hands the bytes that have crossed the link to the real
// connection, until Close or a failed write.
func (c *conn) deliver() {
	defer c.wg.Done()
	buf := make([]byte, maxSlice)
	never := newDeadline()
	for {
		n, err := c.l.read(buf, never)
		if err != nil {
			return
		}
		if _, err := c.Conn.Write(buf[:n]); err != nil {
			c.l.shutdown(err, err)
			return
		}
	}
}

// opError wraps err in a *net.OpError like the net package's own, unless it
// is one already.
func opError(op string, c net.Conn, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*net.OpError](err); ok {
		return err
	}
	return &net.OpError{Op: op, Net: c.LocalAddr().Network(), Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}
