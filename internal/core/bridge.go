package core

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"sync"
	"time"

	"github.com/telechan/telechan/codec"
	"github.com/telechan/telechan/internal/wire"
	"github.com/telechan/telechan/mux"
)

// A bridge joins a queue to a stream. pumpIn stands, on this side, for a
// sending half that lives on the peer: it reads frames and pushes items.
// pumpOut stands for a receiving half that lives on the peer: it pops items
// and writes frames, while outPeer reads what the peer says back. Each
// runs on a worker, so an idle channel has no goroutine.

// Extra error codes used on the wire for item-level failures.
const (
	codeTooLarge wire.ErrorCode = 3
	codeDecode   wire.ErrorCode = 4
)

// codeOf picks the wire code for err.
func codeOf(err error) wire.ErrorCode {
	switch {
	case errors.Is(err, ErrDisconnected):
		return wire.CodeDisconnected
	case errors.Is(err, ErrDropped), errors.Is(err, ErrClosed):
		return wire.CodeDropped
	case errors.Is(err, ErrTooLarge):
		return codeTooLarge
	case errors.Is(err, ErrDecode), errors.Is(err, codec.ErrEncode):
		// An item that cannot be encoded for the next hop is, for the
		// receiver, one it cannot decode.
		return codeDecode
	}
	return wire.CodeOther
}

// errOf turns an Error frame back into an error.
func errOf(code wire.ErrorCode, msg string) error {
	var base error
	switch code {
	case wire.CodeDisconnected:
		base = ErrDisconnected
	case wire.CodeDropped:
		base = ErrDropped
	case codeTooLarge:
		base = ErrTooLarge
	case codeDecode:
		base = ErrDecode
	default:
		return fmt.Errorf("rch: peer reported: %s", msg)
	}
	return fmt.Errorf("%w (peer: %s)", base, msg)
}

// pumpIn reads items from st into q, holding one of q's producer counts
// until the stream ends, and closes st then. With notify set it tells the
// peer, with a Close or Error frame, when q's consumer ends. It returns at
// once: frames are read on a worker as they arrive.
func pumpIn[T any](c *Conn, st *mux.Stream, q *Queue[T], notify bool) {
	pumpInThen(c, st, q, notify, nil, nil)
}

// pumpInThen is pumpIn with then, when set, called at the end in place of
// closing st: the base channel keeps its stream open for the other
// direction.
func pumpInThen[T any](c *Conn, st *mux.Stream, q *Queue[T], notify bool, then func(error), back func(uint64, error)) {
	q.SetMaxBytes(c.recvMax)
	b := &inBridge[T]{q: q, holds: mayHold(reflect.TypeFor[T]()), then: then, hook: -1, back: back}
	// All set before onClose, which may call the hook at once, on this
	// goroutine or (once registered) on any other.
	b.st, b.c, b.t = st, c, b
	if notify {
		b.hook = q.onClose(b)
	}
	st.Notify(b.kick)
}

// inBridge is pumpIn's task and the frameHandler of its stream: items go
// into q, acknowledged on arrival for a byte channel.
type inBridge[T any] struct {
	streamReader
	q        *Queue[T]
	holds    bool // T may hold channel halves
	received uint64
	hook     int // onClose id, or -1
	then     func(error)
	seq      uint64 // Item frames read so far
	// back takes the Failed frames of the other direction, on a stream
	// that carries both (the base channel); nil elsewhere.
	back func(seq uint64, err error)
}

func (b *inBridge[T]) step() bool {
	end, err := readFrame(b.c, b.st, b)
	if end {
		b.end(err)
	}
	return end
}

func (b *inBridge[T]) abort() { b.end(b.c.lost()) }

// consumerClosed tells the sending peer why the receiver ended.
func (b *inBridge[T]) consumerClosed(reason error) {
	b.c.goroutine(func() { writeReason(b.st, reason) })
}

func (b *inBridge[T]) end(err error) {
	b.st.Notify(nil)
	b.q.offClose(b.hook)
	if err != nil {
		b.q.doneSenderErr(err)
	} else {
		b.q.doneSender()
	}
	if b.then != nil {
		b.then(err)
	} else {
		b.st.Close()
	}
}

func (b *inBridge[T]) item(raw []byte) error {
	c, q := b.c, b.q
	if q.verbatim { // acknowledge on arrival, before buffering: see pacer
		b.received += uint64(len(raw))
		b.st.Write(wire.AckFrame(b.received))
	}
	b.seq++
	err := q.push(c.ctx, entry[T]{raw: raw, conn: c, verbatim: q.verbatim, charged: true, from: b, seq: b.seq})
	if err != nil {
		c.mem.give(inbound, len(raw))
	}
	switch {
	case err == nil:
	case c.ctx.Err() != nil:
		// The connection is going: the item is lost, so the stream must
		// not end cleanly even if End is buffered.
		return c.lost()
	case b.holds && !q.verbatim:
		c.rejectRaw(raw, "receiver closed")
	}
	return nil
}

// pooled: the items of a byte channel are read into pooled chunks.
func (b *inBridge[T]) pooled() bool { return b.q.verbatim }

// tooLarge reports an item over the limit to the receiver, as an item
// error, and to the sender.
func (b *inBridge[T]) tooLarge(n uint32) {
	b.seq++
	err := fmt.Errorf("%w: %d bytes received, limit %d", ErrTooLarge, n, b.c.recvMax)
	b.q.pushErr(err)
	b.itemFailed(b.seq, err)
}

func (b *inBridge[T]) notice(wire.ErrorCode, string) (bool, error) { return false, nil }

// lost passes an item lost on its way here to the receiver, as an item
// error (and on, if the receiver was sent on: see writeStep). A loss of an
// unknown kind is one the receiver could not decode.
func (b *inBridge[T]) lost(err error) {
	if !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrDecode) && !errors.Is(err, ErrDisconnected) && !errors.Is(err, ErrDropped) {
		err = fmt.Errorf("%w: %w", ErrDecode, err)
	}
	b.q.pushErr(err)
}

func (b *inBridge[T]) failed(seq uint64, err error) bool {
	if b.back == nil {
		return false
	}
	b.back(seq, err)
	return true
}

// itemFailed tells the sending peer that its item seq was not delivered.
func (b *inBridge[T]) itemFailed(seq uint64, err error) { writeFailed(b.c, b.st, seq, err) }

// writeReason tells the sending peer why the receiving half ended.
func writeReason(st *mux.Stream, reason error) {
	if errors.Is(reason, ErrClosed) {
		wire.WriteFrame(st, wire.Close, nil)
		return
	}
	wire.WriteFrame(st, wire.Error, wire.ErrorPayload(codeOf(reason), reason.Error()))
}

// pumpOut writes the items of q to st, as the consumer of q, and closes st
// at the end. With watch set it also reads the peer's Close, Error and Ack
// frames. It returns at once: items are written on a worker while there
// are some, and the peer's frames read on another as they arrive.
func pumpOut[T any](c *Conn, st *mux.Stream, q *Queue[T], watch bool) *outBridge[T] {
	b := &outBridge[T]{q: q, st: st}
	b.c, b.t = c, b
	if q.verbatim && watch {
		b.p = newPacer()
		b.ended = make(chan struct{})
		st.SetFrameSize(wire.FrameHeaderSize + pacerMaxMSS) // the pacer sizes the frames
	}
	q.setConsumer(&b.worker)
	q.onClose(b)
	if watch {
		b.peer.b, b.peer.st = b, st
		b.peer.start(c, &b.peer)
	}
	b.kick()
	return b
}

// outBridge is pumpOut's task: the writer, kicked by q.
type outBridge[T any] struct {
	worker
	q     *Queue[T]
	st    *mux.Stream
	p     *pacer        // paces a byte channel, or nil
	ended chan struct{} // closed when the consumer side ends, for the pacer
	peer  outPeer[T]
	// sent remembers where the last items written came from: the writer
	// records, the peer's reader looks up.
	sentMu sync.Mutex
	sent   sentRing
}

func (b *outBridge[T]) ready() bool { return b.q.poppable() }

// consumerClosed wakes the writer (and a pacer wait) to end the stream.
func (b *outBridge[T]) consumerClosed(error) {
	if b.ended != nil {
		close(b.ended)
	}
	b.kick()
}

func (b *outBridge[T]) step() bool {
	over := b.writeStep()
	if over {
		b.q.setConsumer(nil)
		b.closeStream()
	}
	return over
}

// closeStream ends the writing direction. The base channel's stream goes on
// carrying the peer's direction for as long as the peer likes, so the
// session must never forget it (mux.Stream.CloseWrite).
func (b *outBridge[T]) closeStream() {
	if b.peer.b == nil { // no reader of the peer's answers: the base channel
		b.st.CloseWrite()
		return
	}
	b.st.Close()
}

func (b *outBridge[T]) abort() {
	b.q.setConsumer(nil)
	b.q.closeRecv(b.c.lost())
	b.closeStream()
}

// outPeer reads the frames a receiving peer sends back on pumpOut's stream
// and ends q's consumer side accordingly.
type outPeer[T any] struct {
	streamReader
	b *outBridge[T]
}

func (r *outPeer[T]) step() bool {
	end, err := peerFrame(r.c, r.st, r.b.q, r.b.p, r.b.failed)
	if end {
		r.st.Notify(nil)
		r.b.q.closeRecv(err)
	}
	return end
}

func (r *outPeer[T]) abort() {
	r.st.Notify(nil)
	r.b.q.closeRecv(r.c.lost())
}

// writeStep writes the next item of q, or ends the stream when q is over.
// It reports true once the stream is over. An item it cannot send (it does
// not re-encode for this connection, or is too large for it), and an item
// error queued for the receiver, take their place in the stream as a Lost
// frame; the origin of the first is told (see delivery.go).
func (b *outBridge[T]) writeStep() bool {
	c, st, q, p, ended := b.c, b.st, b.q, b.p, b.ended
	e, ok, err := q.tryPop()
	switch {
	case err == io.EOF:
		wire.WriteFrame(st, wire.End, nil)
		return true
	case c.ctx.Err() != nil:
		q.closeRecv(c.lost())
		return true
	case q.isClosed():
		return true // the peer ended the channel: nothing more to write
	case err != nil: // a producer was lost: pass it on
		q.closeRecv(err)
		wire.WriteFrame(st, wire.Error, wire.ErrorPayload(codeOf(err), err.Error()))
		return true
	case !ok:
		return false
	case e.err != nil:
		return !b.writeLost(e.err)
	}
	if q.verbatim {
		if err := writeVerbatim(c, st, e, p, ended); err != nil {
			q.closeRecv(c.classify(err))
			return true
		}
		// Written whole: the chunk (a bin Writer's, or one read from
		// another connection) has no other owner.
		if e.raw != nil {
			PutChunk(e.raw)
		} else {
			PutChunk(any(e.v).([]byte))
		}
		return false
	}
	raw, bt, err := outgoing(c, e)
	if err != nil {
		err = fmt.Errorf("cannot pass an item on: %w", err)
		q.itemFailed(&e, err)
		return !b.writeLost(err)
	}
	bt.commit()
	// Remember where the item came from before it leaves: the receiver's
	// Failed notice for it may come back before the write returns.
	b.sentMu.Lock()
	b.sent.wrote(e.from, e.seq)
	b.sentMu.Unlock()
	if err := wire.WriteFrame(st, wire.Item, raw); err != nil {
		err = c.classify(err)
		bt.cancel(err)
		q.closeRecv(err)
		return true
	}
	return false
}

// writeLost writes a Lost frame for err, and reports false if the stream
// is over.
func (b *outBridge[T]) writeLost(err error) bool {
	if wire.WriteFrame(b.st, wire.Lost, wire.ErrorPayload(codeOf(err), err.Error())) != nil {
		b.q.closeRecv(b.c.lost())
		return false
	}
	return true
}

// failed routes a Failed notice from the receiving peer to the origin of
// the item it names, or else to the local senders.
func (b *outBridge[T]) failed(seq uint64, err error) {
	b.sentMu.Lock()
	from, fromSeq, ok := b.sent.lookup(seq)
	b.sentMu.Unlock()
	if ok && from != nil {
		from.itemFailed(fromSeq, err)
		return
	}
	b.q.noteFailed(err)
}

// writeVerbatim writes a byte item as it is, in frames no larger than the
// peer accepts, each waiting for the pacer when there is one. A paced frame
// goes to the stream in one Write, header included, so that it travels as
// one mux frame (see pumpOut).
func writeVerbatim[T any](c *Conn, st *mux.Stream, e entry[T], p *pacer, ended <-chan struct{}) error {
	data := e.raw
	if data == nil {
		data = any(e.v).([]byte)
	}
	for len(data) > 0 {
		n := min(len(data), c.sendMax)
		if p == nil {
			if err := wire.WriteFrame(st, wire.Item, data[:n]); err != nil {
				return err
			}
			data = data[n:]
			continue
		}
		n = min(n, p.frameSize())
		if err := p.wait(c.ctx, n, ended); err != nil {
			return err
		}
		buf := framePool.Get().(*[]byte)
		frame := append(wire.AppendHeader((*buf)[:0], wire.Item, n), data[:n]...)
		// Count the bytes before writing: the ack may come back before
		// the write returns.
		off := p.wrote(n, time.Now())
		_, err := st.Write(frame)
		*buf = frame
		framePool.Put(buf)
		if err != nil {
			return err
		}
		p.stamp(off, time.Now())
		data = data[n:]
	}
	return nil
}

// framePool holds the buffers paced frames are assembled in.
var framePool = sync.Pool{New: func() any {
	b := make([]byte, 0, wire.FrameHeaderSize+pacerMaxMSS)
	return &b
}}

// outgoing returns the bytes to write for e on c, encoding or re-encoding
// it when needed. The batch, if any, must be committed before the write.
func outgoing[T any](c *Conn, e entry[T]) ([]byte, *batch, error) {
	switch {
	case e.raw == nil:
		return c.encode(e.v)
	case e.out && e.conn == c:
		return e.raw, nil, nil
	case !e.out && e.conn.codec.Name() == c.codec.Name() && !mayHold(reflect.TypeFor[T]()):
		if len(e.raw) > c.sendMax {
			return nil, nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(e.raw), c.sendMax)
		}
		return e.raw, nil, nil
	case e.out:
		return nil, nil, errors.New("rch: item encoded for another connection")
	}
	var v T
	if err := e.conn.decode(c.ctx, e.raw, &v); err != nil {
		return nil, nil, err
	}
	return c.encode(v)
}

// peerFrame reads one frame a receiving peer sends back and ends q's
// consumer side accordingly. end reports that the reading is over: the
// stream ended, or the peer broke the protocol; err says why.
func peerFrame[T any](c *Conn, st *mux.Stream, q *Queue[T], p *pacer, failed func(uint64, error)) (end bool, err error) {
	t, n, err := wire.ReadHeader(st)
	if err != nil {
		return true, c.classify(err)
	}
	switch t {
	case wire.Ack:
		if p == nil || n != wire.AckSize {
			return true, fmt.Errorf("%w: unexpected ack frame", ErrDropped)
		}
		var b [wire.AckSize]byte
		if _, err := io.ReadFull(st, b[:]); err != nil {
			return true, c.classify(err)
		}
		total, _ := wire.ParseAck(b[:])
		p.ack(total, time.Now())
	case wire.Close:
		q.closeRecv(ErrClosed)
	case wire.Error:
		e, err := readError(st, n)
		if err != nil {
			return true, c.classify(err)
		}
		q.closeRecv(e)
	case wire.Failed:
		seq, err, rerr := readFailed(st, n)
		if rerr != nil {
			return true, c.classify(rerr)
		}
		if err == nil {
			return true, fmt.Errorf("%w: malformed failed frame", ErrDropped)
		}
		failed(seq, err)
	default:
		return true, fmt.Errorf("%w: %s frame from a receiver", ErrDropped, t)
	}
	return false, nil
}

// readFailed reads the payload of a Failed frame of n bytes; err is nil
// for a malformed one.
func readFailed(st io.Reader, n uint32) (seq uint64, err, rerr error) {
	if n < 9 || n > 9+wire.MaxErrorMessage {
		return 0, nil, nil
	}
	p := make([]byte, n)
	if _, rerr := io.ReadFull(st, p); rerr != nil {
		return 0, nil, rerr
	}
	seq, code, msg, perr := wire.ParseFailed(p)
	if perr != nil {
		return 0, nil, nil
	}
	return seq, failedError(code, msg), nil
}
