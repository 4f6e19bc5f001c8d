package mux

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// trackConn sits between yamux and the connection of every session. It does
// two things yamux does not expose:
//
//   - It records the first error of the connection, the cause reported with
//     ErrLost.
//   - It follows the frames going both ways to know, per stream, whether the
//     peer's FIN has arrived. When a session shuts down, yamux marks every
//     stream closed and a blocked Read returns io.EOF, exactly as after a FIN;
//     Stream.Read asks the tracker to tell a real end of stream from a lost
//     connection.
//
// Read is only called by yamux's receive goroutine and Write by its send
// goroutine, so each frameScanner has one user.
type trackConn struct {
	net.Conn
	t       *tracker
	onError func(error)
	// onClose is called when yamux closes the connection, which it does
	// once, as it shuts down, before closing it.
	onClose func()
	// onIncoming is told of n streams the peer opened that yamux has
	// queued for Accept (see Read).
	onIncoming func(n int)
	rd, wr     frameScanner
}

// Close tells onClose that yamux is shutting down, then closes the
// connection.
func (c *trackConn) Close() error {
	c.onClose()
	return c.Conn.Close()
}

func (c *trackConn) Read(p []byte) (int, error) {
	// yamux asks for more bytes only once it has handled every whole
	// frame it read before, so the streams whose SYN came in earlier
	// reads are in its accept queue now.
	if n := c.t.synsIn.Swap(0); n > 0 {
		c.onIncoming(int(n))
	}
	if c.rd.boundary() {
		// Between two of the peer's frames: hand yamux the streams to
		// forget, if any (guard.go).
		if n := c.t.forgetFrames(p, time.Now()); n > 0 {
			c.rd.scan(p[:n], inbound{c.t})
			return n, nil
		}
	}
	n, err := c.Conn.Read(p)
	if err != nil && err != io.EOF {
		// coder/websocket can return, with the error of a payload read
		// cut short, bytes it has not unmasked: never pass them on as
		// data (the session is ending anyway).
		n = 0
	}
	c.rd.scan(p[:n], inbound{c.t})
	if gerr := c.t.guardErr(); gerr != nil {
		c.onError(gerr)
		return 0, gerr // yamux never sees these frames; the session ends
	}
	if err != nil {
		c.onError(err)
	}
	return n, err
}

func (c *trackConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.wr.scan(p[:n], outbound{c.t})
	if err != nil {
		c.onError(err)
	}
	return n, err
}

// wireState is what the wire has shown of one stream.
type wireState struct {
	finIn  atomic.Bool // the peer's FIN (or a frame carrying it) arrived whole
	rstIn  atomic.Bool // the peer reset the stream
	finOut bool        // our FIN went out; guarded by tracker.mu
	// pending counts the data bytes the peer's frame headers announced
	// that Stream.Read has not returned yet: bytes buffered in yamux or
	// about to be.
	pending atomic.Int64
	// orphan: the tracker did not know the stream when it was wrapped, so
	// nothing here is ever updated; Readable then always holds.
	orphan bool
	// byPeer: the peer opened the stream.
	byPeer bool
	// keepOpen: this side closed with CloseWrite and goes on reading, so
	// the stream is never forgotten (guard.go).
	keepOpen atomic.Bool
	nmu      sync.Mutex
	notify   func() // see Stream.Notify; guarded by nmu
}

// signal calls the stream's notify function, if any.
func (w *wireState) signal() {
	w.nmu.Lock()
	f := w.notify
	w.nmu.Unlock()
	if f != nil {
		f()
	}
}

// setNotify sets the stream's notify function.
func (w *wireState) setNotify(f func()) {
	w.nmu.Lock()
	w.notify = f
	w.nmu.Unlock()
}

// tracker holds the wireState of the streams alive on the wire. An entry is
// made by the header of a SYN either way (yamux registers the stream at the
// header too) and dropped after a RST either way or FINs both ways, which is
// when yamux drops its own stream: the map is never larger than yamux's
// stream table. A FIN counts once its frame has passed whole, so a frame cut
// by a lost connection does not pass for a clean end.
type tracker struct {
	mu      sync.Mutex
	streams map[uint32]*wireState
	// waiting lists the streams this side closed first, oldest first;
	// guarded by mu (guard.go).
	waiting []halfClosed

	halfCloseTimeout time.Duration // negative: never forget
	peerLimit        int           // most streams the peer may hold open
	pendingPings     atomic.Int64  // ping answers yamux owes the peer
	synsIn           atomic.Int64  // streams the peer opened, not told yet (trackConn.Read)
	peerStreams      atomic.Int64  // live streams the peer opened
	forgotten        atomic.Int64  // streams forgotten so far
}

func newTracker(o *Options) *tracker {
	return &tracker{
		streams:          make(map[uint32]*wireState),
		halfCloseTimeout: o.HalfCloseTimeout,
		peerLimit:        o.MaxStreams + o.AcceptBacklog,
	}
}

// live returns the number of streams alive on the wire.
func (t *tracker) live() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.streams)
}

// inbound and outbound observe the frames of one direction for a tracker.
type (
	inbound  struct{ t *tracker }
	outbound struct{ t *tracker }
)

func (o inbound) start(h header) {
	if h.typ == typePing && h.flags&flagSYN != 0 {
		o.t.pendingPings.Add(1)
	}
	o.t.start(h, true)
	if h.typ == typeData && h.length > 0 {
		o.t.announce(h.id, h.length)
	}
}

func (o inbound) end(h header) { o.t.end(h, true) }

func (o outbound) start(h header) {
	if h.typ == typePing && h.flags&flagACK != 0 {
		o.t.pendingPings.Add(-1)
	}
	o.t.start(h, false)
}

func (o outbound) end(h header) { o.t.end(h, false) }

// isStreamFrame reports whether h belongs to a stream (data or window update).
func isStreamFrame(h header) bool {
	return h.typ == typeData || h.typ == typeWindowUpdate
}

// start registers the stream a SYN header opens; in says the peer sent it.
func (t *tracker) start(h header, in bool) {
	if !isStreamFrame(h) || h.flags&flagSYN == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.streams[h.id] == nil {
		t.streams[h.id] = &wireState{byPeer: in}
		if in {
			t.peerStreams.Add(1)
			t.synsIn.Add(1)
		}
	}
}

// announce counts n data bytes the peer is sending on stream id, before
// yamux has read them, and signals the stream.
func (t *tracker) announce(id uint32, n uint32) {
	t.mu.Lock()
	st := t.streams[id]
	t.mu.Unlock()
	if st != nil {
		st.pending.Add(int64(n))
		st.signal()
	}
}

// end records the flags of one complete frame that went in or out.
func (t *tracker) end(h header, in bool) {
	if !isStreamFrame(h) || h.flags&(flagFIN|flagRST) == 0 {
		return
	}
	t.mu.Lock()
	st := t.streams[h.id]
	if st == nil {
		t.mu.Unlock()
		return
	}
	if h.flags&flagFIN != 0 {
		if in {
			st.finIn.Store(true)
		} else {
			st.finOut = true
			if !st.finIn.Load() {
				t.noteHalfClosed(h.id, st)
			}
		}
	}
	if in && h.flags&flagRST != 0 {
		st.rstIn.Store(true)
	}
	if h.flags&flagRST != 0 || (st.finIn.Load() && st.finOut) {
		delete(t.streams, h.id)
		if st.byPeer {
			t.peerStreams.Add(-1)
		}
	}
	t.mu.Unlock()
	if in {
		st.signal()
	}
}

// signalAll signals every stream still on the wire: the session has ended,
// so a Read on any of them returns at once.
func (t *tracker) signalAll() {
	t.mu.Lock()
	all := make([]*wireState, 0, len(t.streams))
	for _, st := range t.streams {
		all = append(all, st)
	}
	t.mu.Unlock()
	for _, st := range all {
		st.signal()
	}
}

// state returns the wireState of stream id. A Stream keeps the pointer, so
// the entry may leave the map without the Stream losing what it knew.
//
// A stream this side opened is registered here if its SYN has not gone out
// yet (yamux queues it and OpenStream returns at once); the SYN's header
// then finds the entry. A stream the peer opened that the tracker no longer
// knows was reset or closed both ways before it was accepted: it gets a
// fresh orphan state that is never updated.
func (t *tracker) state(id uint32, opened bool) *wireState {
	t.mu.Lock()
	defer t.mu.Unlock()
	if st := t.streams[id]; st != nil {
		return st
	}
	if opened {
		st := new(wireState)
		t.streams[id] = st
		return st
	}
	return &wireState{orphan: true}
}
