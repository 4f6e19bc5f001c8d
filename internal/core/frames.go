package core

import (
	"fmt"
	"io"

	"github.com/telechan/telechan/internal/wire"
	"github.com/telechan/telechan/mux"
)

// frameHandler says what to do with the frames a sending half writes.
type frameHandler interface {
	// item takes the payload of an Item within the size limit; an error
	// ends the stream with it. len(raw) bytes are charged to the
	// connection's inbound budget: item owns the charge and gives it back
	// (Conn.mem.give) when it lets go of raw, or of what it made of it.
	item(raw []byte) error
	// tooLarge is told of an Item over the limit as soon as its header is
	// read; its bytes are skipped after.
	tooLarge(n uint32)
	// notice may take an Error frame that is not final (handled true); an
	// error it returns ends the stream.
	notice(code wire.ErrorCode, msg string) (handled bool, err error)
	// lost is told of a Lost frame: an item lost on its way here.
	lost(err error)
	// failed may take a Failed frame, which only a stream carrying both
	// directions (the base channel) has: handled false is a protocol
	// violation.
	failed(seq uint64, err error) (handled bool)
}

// senderFrames is a frameHandler made of functions, for the kinds whose
// values replace or push out older ones (watch, broadcast): readFrame
// charges their items to the budget without waiting, and onItem keeps the
// charge with the value it holds, giving back what that value replaces or
// evicts, or gives it back at once.
type senderFrames struct {
	onItem     func(raw []byte) error
	onTooLarge func(n uint32)
	onLost     func(err error)
	onNotice   func(code wire.ErrorCode, msg string) (bool, error) // optional
}

func (h senderFrames) lost(err error)                      { h.onLost(err) }
func (h senderFrames) failed(uint64, error) (handled bool) { return false }

func (h senderFrames) item(raw []byte) error { return h.onItem(raw) }
func (h senderFrames) tooLarge(n uint32)     { h.onTooLarge(n) }

func (h senderFrames) notice(code wire.ErrorCode, msg string) (bool, error) {
	if h.onNotice == nil {
		return false, nil
	}
	return h.onNotice(code, msg)
}

// A sending half writes Items (each handed to h.item, or skipped and
// reported to h.tooLarge when over the limit) until End; the sending half
// ended otherwise when a final Error frame, a protocol violation, or the
// end of the stream or connection comes first.

// serveFrames reads what a sending half writes on st on a worker: frames
// are read as they arrive, with no goroutine while none does, and finish is
// called once at the end: with nil after End, otherwise with why the
// sending half ended.
func serveFrames(c *Conn, st *mux.Stream, h frameHandler, finish func(error)) {
	r := &frameReader{h: h, finish: finish}
	r.st = st
	r.start(c, r)
}

// frameReader is the task of serveFrames.
type frameReader struct {
	streamReader
	h      frameHandler
	finish func(error)
}

func (r *frameReader) step() bool {
	end, err := readFrame(r.c, r.st, r.h)
	if end {
		r.end(err)
	}
	return end
}

func (r *frameReader) abort() { r.end(r.c.lost()) }

func (r *frameReader) end(err error) {
	r.st.Notify(nil)
	r.finish(err)
}

// streamReader is a worker kicked by a stream: ready while the stream has
// something to read. Tasks that read a stream embed it.
type streamReader struct {
	worker
	st *mux.Stream
}

func (r *streamReader) ready() bool { return r.st.Readable() }

// start begins serving t, the task that embeds r.
func (r *streamReader) start(c *Conn, t task) {
	r.c, r.t = c, t
	r.st.Notify(r.kick)
}

// readFrame reads one frame of what a sending half writes on st and
// handles it. end reports that the sending half is
// over; err then says why (nil after End).
func readFrame(c *Conn, st *mux.Stream, h frameHandler) (end bool, err error) {
	t, n, err := wire.ReadHeader(st)
	if err != nil {
		return true, c.classify(err)
	}
	switch t {
	case wire.End:
		return true, nil
	case wire.Error:
		code, msg, err := readErrorFrame(st, n)
		if err != nil {
			return true, c.classify(err)
		}
		if handled, err := h.notice(code, msg); handled {
			return err != nil, err
		}
		return true, errOf(code, msg)
	case wire.Lost:
		code, msg, err := readErrorFrame(st, n)
		if err != nil {
			return true, c.classify(err)
		}
		h.lost(errOf(code, msg))
		return false, nil
	case wire.Failed:
		seq, ferr, err := readFailed(st, n)
		if err != nil {
			return true, c.classify(err)
		}
		if ferr == nil || !h.failed(seq, ferr) {
			return true, fmt.Errorf("%w: failed frame from a sender", ErrDropped)
		}
		return false, nil
	case wire.Item:
	default:
		return true, fmt.Errorf("%w: %s frame from a sender", ErrDropped, t)
	}
	if int64(n) > int64(c.recvMax) {
		// Say so at once (the header alone tells), then skip the bytes
		// as they come: a peer announcing 4 GiB is not waited for.
		h.tooLarge(n)
		if _, err := io.CopyN(io.Discard, st, int64(n)); err != nil {
			return true, c.classify(err)
		}
		return false, nil
	}
	// Charge the bytes before reading them: with the budget full, they
	// stay in the stream's window and the peer waits. Latest-value kinds
	// never wait: their handlers make room themselves (see senderFrames).
	var waited bool
	if _, ok := h.(senderFrames); ok {
		c.mem.force(inbound, int(n))
	} else if waited, err = c.mem.take(c.ctx, nil, inbound, int(n)); err != nil {
		return true, c.lost()
	}
	if waited && c.mem.warned.CompareAndSwap(false, true) {
		c.log.Warn("rch: the connection's memory budget is full; reading from the peer waits until the application takes what it was sent",
			"max_memory", c.cfg.MaxMemory)
	}
	var raw []byte
	if p, ok := h.(interface{ pooled() bool }); ok && p.pooled() {
		raw = GetChunk(int(n)) // a bin chunk: its reader gives it back
	} else {
		raw = make([]byte, n)
	}
	if _, err := io.ReadFull(st, raw); err != nil {
		c.mem.give(inbound, int(n))
		return true, c.classify(err)
	}
	if err := h.item(raw); err != nil {
		return true, err
	}
	return false, nil
}

// readErrorFrame reads the payload of an Error frame of n bytes.
func readErrorFrame(st io.Reader, n uint32) (wire.ErrorCode, string, error) {
	if n == 0 || n > 1+wire.MaxErrorMessage {
		return 0, "", fmt.Errorf("%w: error payload of %d bytes", wire.ErrFrame, n)
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(st, p); err != nil {
		return 0, "", err
	}
	return wire.ParseError(p)
}

// readError reads the payload of an Error frame of n bytes as an error.
func readError(st io.Reader, n uint32) (error, error) {
	code, msg, err := readErrorFrame(st, n)
	if err != nil {
		return nil, err
	}
	return errOf(code, msg), nil
}
