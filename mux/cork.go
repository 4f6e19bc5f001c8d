package mux

import (
	"context"
	"net"
	"net/http"
	"sync"
)

// corkConn sits under the WebSocket of a dialled session and gathers what
// one message write produces into a single write to the socket.
//
// A WebSocket client must mask every byte it sends; coder/websocket masks
// through its 4 KiB write buffer and flushes it each time it fills, so a
// 64 KiB message used to cost 16 system calls. msgConn corks the
// connection around each message it writes and uncorks it after, and the
// message then leaves in one write. Writes made while not corked (the
// closing handshake, say) pass straight through.
type corkConn struct {
	net.Conn
	mu     sync.Mutex
	corked bool
	buf    *[]byte // from corkBufs while corked and written to, else nil
}

// corkBufs holds the gathering buffers of all corked connections: one is
// taken for a round of writes and given back after it, so that an idle
// connection holds none.
var corkBufs = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

func (c *corkConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.corked {
		if c.buf == nil {
			c.buf = corkBufs.Get().(*[]byte)
		}
		*c.buf = append(*c.buf, p...)
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// cork starts gathering writes.
func (c *corkConn) cork() {
	c.mu.Lock()
	c.corked = true
	c.mu.Unlock()
}

// uncork writes what was gathered and lets writes through again.
func (c *corkConn) uncork() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.corked = false
	b := c.buf
	if b == nil {
		return nil
	}
	c.buf = nil
	_, err := c.Conn.Write(*b)
	if cap(*b) <= maxCorkBuf { // a rare huge message: do not keep its buffer
		*b = (*b)[:0]
		corkBufs.Put(b)
	}
	return err
}

// maxCorkBuf is the largest gathering buffer given back to corkBufs.
const maxCorkBuf = 1 << 20

// corkingClient returns an HTTP client for one dial, like base (nil means
// http.DefaultClient), whose connection will be corkable, and a function
// returning that connection once dialled (nil if none was, as when the
// transport dials TLS itself). A base whose transport is not an
// *http.Transport is returned as it is: its connections cannot be corked.
func corkingClient(base *http.Client) (*http.Client, func() *corkConn) {
	if base == nil {
		base = http.DefaultClient
	}
	rt := base.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	t, ok := rt.(*http.Transport)
	if !ok {
		return base, func() *corkConn { return nil }
	}
	var (
		mu   sync.Mutex
		last *corkConn
	)
	tr := t.Clone()
	dial := tr.DialContext
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		cc := &corkConn{Conn: nc}
		mu.Lock()
		last = cc
		mu.Unlock()
		return cc, nil
	}
	hc := *base
	hc.Transport = tr
	return &hc, func() *corkConn {
		mu.Lock()
		defer mu.Unlock()
		return last
	}
}
