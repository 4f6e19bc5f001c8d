package mux

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// wsStream reads a WebSocket's binary messages as one byte stream and
// writes each Write as one binary message, as websocket.NetConn does, but
// passes coder/websocket a context that never ends: NetConn gives every
// Read and Write a cancellable context, and coder/websocket registers a
// context.AfterFunc for each (three allocations a call, most of what a
// bulk transfer allocated). A wsStream is ended by closing its WebSocket,
// which fails the read and the write under way; a deadline, when set,
// closes it when it passes. Reads are one goroutine's, writes another's.
type wsStream struct {
	ws *websocket.Conn
	r  io.Reader // the message being read; the reader's only

	mu      sync.Mutex
	timer   *time.Timer // closes ws at the deadline, if one is set
	expired bool        // a deadline passed: ws is closed
}

func newWSStream(ws *websocket.Conn) *wsStream {
	ws.SetReadLimit(-1) // frames are bounded by the layer above, not by messages
	return &wsStream{ws: ws}
}

// errTextMessage: the peer sent a text message where only binary ones go.
var errTextMessage = errors.New("mux: text message on a binary stream")

// Read reads the next bytes of the stream of messages.
func (s *wsStream) Read(p []byte) (int, error) {
	for {
		if s.r == nil {
			typ, r, err := s.ws.Reader(context.Background())
			if err != nil {
				return 0, s.fail(err)
			}
			if typ != websocket.MessageBinary {
				s.ws.Close(websocket.StatusUnsupportedData, "binary messages only")
				return 0, errTextMessage
			}
			s.r = r
		}
		n, err := s.r.Read(p)
		if err == io.EOF {
			s.r = nil
			if n == 0 {
				continue
			}
			err = nil
		}
		if err != nil {
			return n, s.fail(err)
		}
		return n, nil
	}
}

// Write writes p as one binary message.
func (s *wsStream) Write(p []byte) (int, error) {
	if err := s.ws.Write(context.Background(), websocket.MessageBinary, p); err != nil {
		return 0, s.fail(err)
	}
	return len(p), nil
}

// fail returns err, wrapping os.ErrDeadlineExceeded when a deadline
// closed the WebSocket.
func (s *wsStream) fail(err error) error {
	s.mu.Lock()
	expired := s.expired
	s.mu.Unlock()
	if expired {
		return fmt.Errorf("%w: %v", os.ErrDeadlineExceeded, err)
	}
	return err
}

// SetDeadline makes the WebSocket close at t, failing the reads and
// writes then under way and every one after (a transport that misses its
// deadline is done for); a zero t removes the deadline.
func (s *wsStream) SetDeadline(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if t.IsZero() || s.expired {
		return
	}
	s.timer = time.AfterFunc(time.Until(t), func() {
		s.mu.Lock()
		s.expired = true
		s.mu.Unlock()
		s.ws.CloseNow()
	})
}

// wsNetConn is a wsStream as the net.Conn msgConn writes to: Close closes
// the WebSocket at once, the addresses are placeholders (coder/websocket
// does not expose the socket), and deadlines close the WebSocket when
// they pass, as websocket.NetConn's do.
type wsNetConn struct{ *wsStream }

func (c wsNetConn) Close() error                       { return c.ws.CloseNow() }
func (c wsNetConn) LocalAddr() net.Addr                { return wsAddr("websocket") }
func (c wsNetConn) RemoteAddr() net.Addr               { return wsAddr("websocket") }
func (c wsNetConn) SetDeadline(t time.Time) error      { c.wsStream.SetDeadline(t); return nil }
func (c wsNetConn) SetReadDeadline(t time.Time) error  { c.wsStream.SetDeadline(t); return nil }
func (c wsNetConn) SetWriteDeadline(t time.Time) error { c.wsStream.SetDeadline(t); return nil }
