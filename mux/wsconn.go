package mux

import (
	"context"
	"net"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// msgConn carries a yamux session over a WebSocket. Each WebSocket message
// holds one or more whole yamux frames.
//
// The connection under it (a wsNetConn) turns every Write into one
// message, and yamux's send loop writes a data frame with two Writes: the
// 12-byte header, then the body, one frame at a time, waiting for each
// write. Written as they come,
// every data frame would cost two messages, and under many concurrent calls
// every frame its own system call. So msgConn gathers what yamux writes and
// a flusher sends everything gathered as one message: while one message is
// being written, the frames yamux produces meanwhile pile up and leave
// together in the next. A frame is never split across messages, and no
// flusher goroutine exists while nothing is pending.
//
// Write is only ever called by yamux's send goroutine, one call at a time.
// It blocks only while maxPending bytes wait, so a stalled connection still
// stalls yamux (whose write timeout then ends the session). A failed flush
// closes the connection; Write reports the error from then on.
type msgConn struct {
	net.Conn // one Write is one binary message: a wsNetConn, or a resumeConn

	// kill tears down what is under Conn at once (a failed write: the
	// reader must fail too); end does so and waits for its goroutines
	// (Close).
	kill func()
	end  func() error

	// cork, when set, is the socket under a dialled WebSocket: each
	// message is gathered there and written at once (see corkConn).
	cork *corkConn

	// rc, when set, is the resumeConn under Conn, and messages are handed
	// to it rather than copied (see gather).
	rc *resumeConn

	mu      sync.Mutex
	room    sync.Cond // signalled when pending shrinks or err is set
	pending []byte    // gathered bytes; the first whole of them are whole frames
	whole   int
	// With rc: pending is in the pooled frame pbuf, after room for the
	// Data frame's header, and ready holds messages sealed before they
	// were written (readyLen bytes), oldest first.
	pbuf      *[]byte
	ready     []*[]byte
	readyLen  int
	need      int       // body bytes still expected for the frame being gathered
	spare     []byte    // the buffer of the last message written, for reuse
	flushing  bool      // a write is under way (a flusher runs, or Write writes)
	lastWrite time.Time // when the last message was written
	err       error     // sticky: why the connection failed
	closing   bool      // Close has begun: Write takes nothing more
	wg        sync.WaitGroup

	closed    chan struct{} // closed once Close has returned
	closeOnce sync.Once
}

// maxPending is how many bytes Write gathers before it waits for the
// flusher: enough for several large frames.
const maxPending = 512 << 10

// writeMessage writes msg, which take returned with buf, as one message:
// with rc, it hands buf over.
func (c *msgConn) writeMessage(msg []byte, buf *[]byte) error {
	if c.rc != nil {
		return c.rc.writeFrame(buf)
	}
	if c.cork != nil {
		c.cork.cork()
	}
	_, err := c.Conn.Write(msg)
	if c.cork != nil {
		if uerr := c.cork.uncork(); err == nil {
			err = uerr
		}
	}
	return err
}

// hasWhole reports whether a message is ready to be written. Call with
// c.mu held.
func (c *msgConn) hasWhole() bool { return c.whole > 0 || len(c.ready) > 0 }

// take removes the next message to write from what was gathered: the
// oldest sealed one, or the whole frames gathered; with rc, buf is the
// pooled frame it is in. Call with c.mu held, when hasWhole.
func (c *msgConn) take() (msg []byte, buf *[]byte) {
	if c.rc == nil {
		msg = c.pending[:c.whole]
		c.pending = append(c.spare[:0], c.pending[c.whole:]...)
		c.whole, c.spare = 0, nil
		return msg, nil
	}
	if len(c.ready) > 0 {
		buf = c.ready[0]
		c.ready[0] = nil
		c.ready = c.ready[1:]
		c.readyLen -= len(*buf)
		return *buf, buf
	}
	buf, rest := c.pbuf, c.pending[c.whole:]
	*buf = c.pending[:c.whole]
	c.pbuf, c.pending, c.whole = nil, nil, 0
	if len(rest) > 0 {
		c.gather(rest) // the start of a frame: its header, usually
	}
	return *buf, buf
}

// recycle keeps msg's buffer, once written, for the next message. Call
// with c.mu held.
func (c *msgConn) recycle(msg []byte) {
	if c.rc == nil && cap(msg) <= maxPending {
		c.spare = msg[:0]
	}
}

// gather appends p to pending. Without rc, append does. With rc, pending
// is a Data frame of the resumed stream, in a pooled buffer that the
// resumeConn keeps until the peer has acknowledged it, so the bytes are
// copied once here and never again: a frame too small for p is replaced
// by one of a larger size class while what it holds is short, and sealed
// as a message of its own (ready) once it holds much.
func (c *msgConn) gather(p []byte) {
	if c.rc == nil {
		c.pending = append(c.pending, p...)
		return
	}
	if c.pbuf != nil && len(c.pending)+len(p) <= cap(c.pending) {
		c.pending = append(c.pending, p...)
		return
	}
	var keep []byte // what moves to the new frame, after its header room
	old := c.pbuf
	if old != nil && c.whole >= sealAt {
		*old = c.pending[:c.whole]
		c.ready = append(c.ready, old)
		c.readyLen += c.whole
		keep, old, c.whole = c.pending[c.whole:], nil, 0
	} else if old != nil {
		keep = c.pending[rsmHeader:] // at the same offset: whole stays true
	}
	buf := getFrame(rsmHeader + len(keep) + len(p))
	n := rsmHeader + copy((*buf)[rsmHeader:], keep)
	if old != nil {
		putFrame(old)
	}
	c.pbuf = buf
	c.pending = append((*buf)[:n], p...)
}

// sealAt is how many bytes of whole frames a pooled pending frame holds
// before gather seals it rather than copying them to a larger one.
const sealAt = 16 << 10

// newMsgConn wraps ws for a session whose lifetime context is ctx; cancel
// must cancel ctx. hook, if not nil, wraps the message-per-Write connection
// (tests watch the messages with it).
func newMsgConn(ctx context.Context, cancel context.CancelFunc, ws *websocket.Conn, hook func(net.Conn) net.Conn) *msgConn {
	nc := wsNetConn{newWSStream(ws)}
	context.AfterFunc(ctx, func() { ws.CloseNow() }) // nc's calls carry no context
	kill := func() {
		cancel()
		ws.CloseNow()
	}
	return newMsgConnOver(nc, kill, func() error { cancel(); return ws.CloseNow() }, hook)
}

// newMsgConnOver gathers frames into the messages of nc, whose
// connection kill tears down and end closes.
func newMsgConnOver(nc net.Conn, kill func(), end func() error, hook func(net.Conn) net.Conn) *msgConn {
	if hook != nil {
		nc = hook(nc)
	}
	c := &msgConn{Conn: nc, kill: kill, end: end, closed: make(chan struct{})}
	c.room.L = &c.mu
	return c
}

func (c *msgConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	for c.err == nil && len(c.pending)+c.readyLen >= maxPending {
		c.room.Wait()
	}
	if c.err != nil || c.closing {
		err := c.err
		if err == nil {
			err = net.ErrClosed
		}
		c.mu.Unlock()
		return 0, err
	}
	c.gather(p)
	if c.need == 0 {
		if body, ok := dataHeaderAlone(p); ok {
			c.need = int(body) // the body follows in later Writes
		} else {
			c.whole = len(c.pending)
		}
	} else if c.need -= min(len(p), c.need); c.need == 0 {
		c.whole = len(c.pending)
	}
	if !c.hasWhole() || c.flushing {
		c.mu.Unlock()
		return len(p), nil
	}
	now := time.Now()
	if c.whole == len(c.pending) && len(c.ready) == 0 && now.Sub(c.lastWrite) > busyGap {
		// The connection was idle: write here, at once, rather than hand
		// the frame to a flusher. Frames that follow this one closely
		// will go through the flusher and leave together.
		msg, buf := c.take()
		c.flushing = true
		c.mu.Unlock()
		err := c.writeMessage(msg, buf)
		c.mu.Lock()
		c.lastWrite = time.Now()
		c.recycle(msg)
		c.flushing = false
		if err != nil {
			c.fail(err)
		}
		c.room.Broadcast()
		err = c.err
		start := err == nil && c.hasWhole()
		if start {
			c.flushing = true
			c.wg.Add(1)
		}
		c.mu.Unlock()
		if start {
			go c.flush()
		}
		if err != nil {
			return 0, err
		}
		return len(p), nil
	}
	c.flushing = true
	c.wg.Add(1)
	c.mu.Unlock()
	go c.flush()
	return len(p), nil
}

// busyGap is how soon after the last write a frame must come for the
// connection to count as busy: its frames then go through the flusher, to
// be gathered, instead of being written by yamux's send loop directly.
const busyGap = 20 * time.Microsecond

// fail records err, the first write error, and closes the WebSocket so
// that the reader fails too and yamux notices at once. Call with c.mu
// held.
func (c *msgConn) fail(err error) {
	if c.err == nil {
		c.err = err
	}
	c.kill()
}

// flush writes the whole frames gathered, as one message each round, until
// none is left.
func (c *msgConn) flush() {
	defer c.wg.Done()
	c.mu.Lock()
	for c.hasWhole() && c.err == nil {
		msg, buf := c.take()
		c.mu.Unlock()
		err := c.writeMessage(msg, buf)
		c.mu.Lock()
		c.lastWrite = time.Now()
		c.recycle(msg)
		if err != nil {
			c.fail(err)
		}
		c.room.Broadcast()
	}
	c.flushing = false
	c.room.Broadcast()
	c.mu.Unlock()
}

// Close tears the WebSocket down without the closing handshake, which could
// wait up to 10s for a peer that is gone. It first gives the flusher up to
// flushOnClose to write the frames yamux has handed over (a stream's last
// data and FIN, written just before its session is closed, must not be
// lost), then cancels the context, which aborts a read or write in
// progress. It returns once the flusher, if any, has ended.
func (c *msgConn) Close() error {
	c.mu.Lock()
	c.closing = true // what yamux writes from now on is not sent
	c.mu.Unlock()
	drained := make(chan struct{})
	go func() {
		c.mu.Lock()
		for c.err == nil && c.flushing {
			c.room.Wait()
		}
		c.mu.Unlock()
		close(drained)
	}()
	t := time.NewTimer(flushOnClose)
	select {
	case <-drained:
	case <-t.C:
	}
	t.Stop()
	err := c.end()
	c.mu.Lock()
	if c.err == nil {
		c.err = net.ErrClosed
	}
	c.room.Broadcast()
	c.mu.Unlock()
	<-drained
	c.wg.Wait()
	c.closeOnce.Do(func() { close(c.closed) })
	return err
}

// flushOnClose bounds how long Close waits for pending frames to leave.
const flushOnClose = time.Second

// wait returns once c has been closed and its flusher, if any, has ended.
func (c *msgConn) wait() {
	<-c.closed
	c.wg.Wait()
}
