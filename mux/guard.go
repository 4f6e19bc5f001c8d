package mux

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// What a peer can make a session hold, and how each is bounded here,
// below yamux, by watching and (rarely) adding to the frames that pass:
//
//   - Pings. yamux answers each ping on a goroutine of its own, which waits
//     up to the write timeout when the connection does not take the
//     answer; a peer that writes pings and reads nothing made a session
//     hold hundreds of thousands of them. A session ends once more than
//     maxPendingPings answers are owed.
//   - Streams. yamux has no limit on the streams it holds. A session ends
//     when the peer opens streams beyond Options.MaxStreams (plus the
//     accept backlog), and Session.Open refuses beyond MaxStreams.
//   - Half-closed streams. A stream this side closed stays in yamux until
//     the peer's FIN, which a hostile peer never sends. yamux's own
//     close timeout would reset the stream and make the peer lose the data
//     it has not read yet, so this side forgets it instead: the session
//     hands yamux a RST for it, as if the peer had sent one, once it has
//     waited Options.HalfCloseTimeout, or at once when more than
//     maxHalfClosed such streams wait. The peer is not told: it still reads
//     everything this side sent, its FIN is ignored when it comes, and only
//     what it would have said back on that stream is lost. A stream closed
//     with Stream.CloseWrite (this side goes on reading) is never forgotten.
//
// The forgetting RST frames are handed to yamux by trackConn.Read between
// two whole frames of the peer's, before it reads the connection again:
// within a keepalive interval on an idle session.

const (
	// maxPendingPings is how many ping answers yamux may owe the peer.
	maxPendingPings = 64
	// maxHalfClosed is how many streams this side closed may wait for the
	// peer's FIN before the oldest is forgotten at once.
	maxHalfClosed = 1024
)

// Causes of a session ended by a guard.
var (
	errPingFlood   = errors.New("the peer sent pings faster than it reads their answers")
	errTooManyPeer = errors.New("the peer opened more streams than MaxStreams allows")
)

// ErrTooManyStreams is returned by Session.Open when the session already
// holds Options.MaxStreams streams.
var ErrTooManyStreams = errors.New("mux: too many streams on the session")

// halfClosed is a stream this side closed, waiting for the peer's FIN.
type halfClosed struct {
	id    uint32
	since time.Time
}

// noteHalfClosed records that our FIN on st went out before the peer's.
// Call with t.mu held.
func (t *tracker) noteHalfClosed(id uint32, st *wireState) {
	if st.keepOpen.Load() || t.halfCloseTimeout < 0 {
		return
	}
	t.waiting = append(t.waiting, halfClosed{id, time.Now()})
}

// forgettable returns, and takes off the list, the streams to forget now:
// those that waited longer than the timeout, and the oldest beyond
// maxHalfClosed. Streams whose FIN came meanwhile are dropped from the
// list. At most max are returned.
func (t *tracker) forgettable(now time.Time, max int) []uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []uint32
	i := 0
	for ; i < len(t.waiting) && len(out) < max; i++ {
		w := t.waiting[i]
		st := t.streams[w.id]
		if st == nil || st.finIn.Load() {
			continue // the peer closed too: yamux released it
		}
		if len(t.waiting)-i <= maxHalfClosed && now.Sub(w.since) < t.halfCloseTimeout {
			break
		}
		out = append(out, w.id)
	}
	t.waiting = t.waiting[i:]
	if len(t.waiting) == 0 {
		t.waiting = nil
	}
	return out
}

// forgetFrames writes into p, which holds at least one frame header,
// RST frames for the streams to forget now, and returns how many bytes it
// wrote.
func (t *tracker) forgetFrames(p []byte, now time.Time) int {
	if len(p) < headerSize || !t.mayForget() {
		return 0
	}
	ids := t.forgettable(now, len(p)/headerSize)
	for i, id := range ids {
		h := p[i*headerSize : (i+1)*headerSize]
		h[0], h[1] = 0, typeWindowUpdate
		binary.BigEndian.PutUint16(h[2:], flagRST)
		binary.BigEndian.PutUint32(h[4:], id)
		binary.BigEndian.PutUint32(h[8:], 0)
	}
	if len(ids) > 0 {
		t.forgotten.Add(int64(len(ids)))
	}
	return len(ids) * headerSize
}

// mayForget reports cheaply whether a stream may be due for forgetting.
func (t *tracker) mayForget() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.waiting) == 0 {
		return false
	}
	return len(t.waiting) > maxHalfClosed || time.Since(t.waiting[0].since) >= t.halfCloseTimeout
}

// guardErr reports why the session must end after the frames seen so
// far, or nil.
func (t *tracker) guardErr() error {
	if t.pendingPings.Load() > maxPendingPings {
		return errPingFlood
	}
	if t.peerLimit > 0 && int(t.peerStreams.Load()) > t.peerLimit {
		return fmt.Errorf("%w (%d)", errTooManyPeer, t.peerLimit)
	}
	return nil
}
