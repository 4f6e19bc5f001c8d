package mux

import (
	"context"
	"net"

	"github.com/coder/websocket"
)

// msgConn carries a yamux session over a WebSocket so that one yamux frame
// travels as one WebSocket message.
//
// websocket.NetConn turns every Write into one message, and yamux's send
// loop writes a data frame with two Writes: the 12-byte header, then the
// body. Sent as they come, every data frame would cost two messages, and the
// header message would carry nothing a peer could use alone. So msgConn
// holds a lone data-frame header until its body has been written and sends
// both as one message. Every other Write (window updates, pings, go away,
// zero-length data, or a frame already whole) goes out at once.
//
// Write is only ever called by yamux's send goroutine, one call at a time,
// so the held frame needs no lock (and no lock is held across the write).
// msgConn is used only over WebSocket: on a plain byte stream (Client,
// Server) message boundaries do not exist and the copy would be waste.
type msgConn struct {
	net.Conn // websocket.NetConn: one Write is one binary message

	ws     *websocket.Conn
	cancel context.CancelFunc // ends the context given to websocket.NetConn

	buf  []byte // held header, then the body gathered so far
	need int    // body bytes still expected for the held header

	// cork, when set, is the socket under a dialled WebSocket: each
	// message is gathered there and written at once (see corkConn).
	cork *corkConn
}

// writeMessage writes p as one WebSocket message.
func (c *msgConn) writeMessage(p []byte) (int, error) {
	if c.cork == nil {
		return c.Conn.Write(p)
	}
	c.cork.cork()
	n, err := c.Conn.Write(p)
	if uerr := c.cork.uncork(); err == nil && uerr != nil {
		return 0, uerr
	}
	return n, err
}

// newMsgConn wraps ws for a session whose lifetime context is ctx; cancel
// must cancel ctx. hook, if not nil, wraps the message-per-Write connection
// (tests watch the messages with it).
func newMsgConn(ctx context.Context, cancel context.CancelFunc, ws *websocket.Conn, hook func(net.Conn) net.Conn) *msgConn {
	nc := websocket.NetConn(ctx, ws, websocket.MessageBinary)
	if hook != nil {
		nc = hook(nc)
	}
	return &msgConn{Conn: nc, ws: ws, cancel: cancel}
}

func (c *msgConn) Write(p []byte) (int, error) {
	if c.need == 0 {
		body, ok := dataHeaderAlone(p)
		if !ok {
			return c.writeMessage(p)
		}
		c.buf = append(c.buf[:0], p...)
		c.need = int(body)
		return len(p), nil
	}
	c.buf = append(c.buf, p...)
	c.need -= min(len(p), c.need)
	if c.need > 0 {
		return len(p), nil // body arrives in pieces; keep gathering
	}
	if _, err := c.writeMessage(c.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close tears the WebSocket down without the closing handshake, which could
// wait up to 10s for a peer that is gone. Cancelling the context first
// aborts a read or write in progress.
func (c *msgConn) Close() error {
	c.cancel()
	return c.ws.CloseNow()
}
