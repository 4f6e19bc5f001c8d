package mux

import (
	"net"
	"sync"
	"sync/atomic"
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
	rd, wr  frameScanner
}

func (c *trackConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.rd.scan(p[:n], inbound{c.t})
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
	finOut bool        // our FIN went out; guarded by tracker.mu
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
}

func newTracker() *tracker {
	return &tracker{streams: make(map[uint32]*wireState)}
}

// inbound and outbound observe the frames of one direction for a tracker.
type (
	inbound  struct{ t *tracker }
	outbound struct{ t *tracker }
)

func (o inbound) start(h header)  { o.t.start(h) }
func (o inbound) end(h header)    { o.t.end(h, true) }
func (o outbound) start(h header) { o.t.start(h) }
func (o outbound) end(h header)   { o.t.end(h, false) }

// isStreamFrame reports whether h belongs to a stream (data or window update).
func isStreamFrame(h header) bool {
	return h.typ == typeData || h.typ == typeWindowUpdate
}

// start registers the stream a SYN header opens.
func (t *tracker) start(h header) {
	if !isStreamFrame(h) || h.flags&flagSYN == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.streams[h.id] == nil {
		t.streams[h.id] = new(wireState)
	}
}

// end records the flags of one complete frame that went in or out.
func (t *tracker) end(h header, in bool) {
	if !isStreamFrame(h) || h.flags&(flagFIN|flagRST) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.streams[h.id]
	if st == nil {
		return
	}
	if h.flags&flagFIN != 0 {
		if in {
			st.finIn.Store(true)
		} else {
			st.finOut = true
		}
	}
	if h.flags&flagRST != 0 || (st.finIn.Load() && st.finOut) {
		delete(t.streams, h.id)
	}
}

// state returns the wireState of stream id. A Stream keeps the pointer, so
// the entry may leave the map without the Stream losing what it knew. A
// stream the tracker does not know gets a fresh state that is never updated.
func (t *tracker) state(id uint32) *wireState {
	t.mu.Lock()
	defer t.mu.Unlock()
	if st := t.streams[id]; st != nil {
		return st
	}
	return new(wireState)
}
