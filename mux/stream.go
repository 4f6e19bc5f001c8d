package mux

import (
	"io"
	"sync"
	"time"

	"github.com/hashicorp/yamux"
)

// Stream is one bidirectional byte stream of a [Session], opened by
// [Session.Open] on one side and received by [Session.Accept] on the other.
//
// One goroutine may Read while another Writes. Concurrent Writes are
// serialised (each is written whole before the next starts); concurrent
// Reads are not meaningful. Close, the deadline setters and ID may be called
// at any time.
//
// When the session ends, blocked and later calls return an error matching
// ErrClosed or ErrLost, except that data already received can still be read
// and a stream the peer had already closed still ends with io.EOF.
type Stream struct {
	ys   *yamux.Stream
	s    *Session
	wire *wireState
	wmu  sync.Mutex // serialises Writes so their chunks do not interleave
	// frame is this stream's largest frame, when SetFrameSize changed it;
	// guarded by wmu.
	frame int
}

// newStream wraps a stream yamux opened (opened set) or accepted.
func (s *Session) newStream(ys *yamux.Stream, err error, opened bool) (*Stream, error) {
	if err != nil {
		return nil, s.sessionError(err)
	}
	return &Stream{ys: ys, s: s, wire: s.track.state(ys.StreamID(), opened)}, nil
}

// ID returns the yamux stream ID: odd for streams the client side opened,
// even for the server side's. It is unique within the session, and telechan
// uses it as the port number of the stream on the wire.
func (st *Stream) ID() uint32 { return st.ys.StreamID() }

// Session returns the session the stream belongs to.
func (st *Stream) Session() *Session { return st.s }

// Read reads data sent by the peer. It returns io.EOF after the peer closed
// its side and every byte before that was read. If the session ends first it
// returns an error matching ErrClosed or ErrLost; after the read deadline, an
// error matching os.ErrDeadlineExceeded.
func (st *Stream) Read(p []byte) (int, error) {
	if st.s.ys.IsClosed() && st.wire.pending.Load() <= 0 && !st.wire.orphan {
		// Nothing left to read and the session is over: answer here.
		// (yamux's Read would spin on its shutdown channel until its
		// Close reaches this stream, which with many streams can take
		// long, every reader competing for the stream locks.)
		if st.wire.finIn.Load() {
			return 0, io.EOF
		}
		return 0, st.s.endErr()
	}
	n, err := st.ys.Read(p)
	st.wire.pending.Add(-int64(n))
	if err == io.EOF {
		// yamux reports io.EOF both after the peer's FIN and when the
		// session shut down; only the wire knows which.
		if st.s.ys.IsClosed() && !st.wire.finIn.Load() {
			return n, st.s.endErr()
		}
		return n, io.EOF
	}
	return n, st.s.streamError("read", st.ID(), err)
}

// Write writes p to the stream. It is cut into frames of at most
// Options.FrameSize bytes, and frames of different streams take turns on the
// connection, so a large write does not hold up other streams for more than
// about one frame. Write blocks while the peer's receive window is full.
//
// After Close it returns an error matching net.ErrClosed; after the session
// ended, one matching ErrClosed or ErrLost; after the write deadline, one
// matching os.ErrDeadlineExceeded. A write that could not be handed to the
// connection within Options.KeepAliveTimeout ends the session (ErrLost).
func (st *Stream) Write(p []byte) (n int, err error) {
	st.wmu.Lock()
	defer st.wmu.Unlock()
	frame := st.s.opts.FrameSize
	if st.frame != 0 {
		frame = st.frame
	}
	for n < len(p) {
		m, err := st.ys.Write(p[n:min(len(p), n+frame)])
		n += m
		if err != nil {
			return n, st.s.streamError("write", st.ID(), err)
		}
	}
	return n, nil
}

// SetFrameSize changes, for this stream only, the largest frame Write
// sends in one piece (see Options.FrameSize), within the same bounds. A
// stream that sizes its own writes to the link, as a paced bulk stream
// does, uses it to send each write as one frame.
func (st *Stream) SetFrameSize(n int) {
	n = min(max(n, minFrameSize), maxFrameSize)
	st.wmu.Lock()
	st.frame = n
	st.wmu.Unlock()
}

// Close closes the stream for writing (a half-close): the peer's Read
// returns io.EOF once it has read everything written before, and this side
// can go on reading until the peer closes too. The stream is released when
// both sides have closed it or the session ends, or, if the peer's FIN
// does not come within Options.HalfCloseTimeout, forgotten by this side
// (Read then fails with ErrStreamReset; the peer still reads all that was
// written). A side that means to go on reading for longer uses CloseWrite.
// Close is idempotent.
func (st *Stream) Close() error {
	return st.ys.Close() // always nil: yamux ignores a failure to send the FIN
}

// CloseWrite closes the stream for writing, as Close does, for a side that
// goes on reading for as long as the peer sends: unlike after Close, the
// session does not forget the stream when the peer's FIN is late (see
// Options.HalfCloseTimeout). It is idempotent.
func (st *Stream) CloseWrite() error {
	st.wire.keepOpen.Store(true)
	return st.ys.Close()
}

// SetDeadline sets both the read and the write deadline, as
// net.Conn.SetDeadline does. A zero t removes them.
func (st *Stream) SetDeadline(t time.Time) error { return st.ys.SetDeadline(t) }

// SetReadDeadline sets the deadline for blocked and future Reads.
func (st *Stream) SetReadDeadline(t time.Time) error { return st.ys.SetReadDeadline(t) }

// SetWriteDeadline sets the deadline for blocked and future Writes.
func (st *Stream) SetWriteDeadline(t time.Time) error { return st.ys.SetWriteDeadline(t) }

// Notify registers f to be called whenever the stream may have become
// readable: data from the peer is on its way in, the peer closed or reset
// the stream, or the session ended. f is also called once now if the
// stream is readable already. It replaces any function registered before;
// nil removes it.
//
// f runs on the session's receive goroutine (or the goroutine ending the
// session) and must not block: it may start a goroutine that reads, or
// record that one should. With Notify and [Stream.Readable] a user can keep
// no goroutine at all on an idle stream.
func (st *Stream) Notify(f func()) {
	st.wire.setNotify(f)
	if f != nil && st.Readable() {
		f()
	}
}

// Readable reports whether a Read would return without waiting for the
// peer to send more: data the peer sent has not all been read yet (it may
// still be on its way through the session, a wait of microseconds), the
// peer closed or reset the stream, or the session has ended.
func (st *Stream) Readable() bool {
	w := st.wire
	return w.pending.Load() > 0 || w.finIn.Load() || w.rstIn.Load() || w.orphan || st.s.ys.IsClosed()
}
