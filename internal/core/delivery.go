package core

import (
	"errors"
	"fmt"

	"github.com/telechan/telechan/internal/wire"
	"github.com/telechan/telechan/mux"
)

// Items that cannot be delivered.
//
// An item can fail after Send has returned: on a forwarding peer, which
// cannot re-encode it for the next connection or finds it too large for
// that connection's limit; on the final receiver, which finds it too large
// (from its header) or cannot decode it. None of these is ever only a log
// line. The item's place in the stream is taken by a Lost frame, so that
// every receiver down the chain gets an item error from Recv (ErrTooLarge,
// ErrDecode) and the channel goes on; and a Failed frame, naming the
// item's number on the stream, travels back towards the sender, hop by
// hop: each sending side remembers where its last items came from
// (origins), so the notice reaches the bridge that read the item from the
// previous peer, or the local Send that queued it. A local Send is told by
// the function it queued the item with (Tx.SendOr), or else the next Send
// on the channel returns ErrNotDelivered.

// ErrNotDelivered is returned by Send when an item sent earlier on the
// channel did not reach its receiver; it wraps why (ErrTooLarge,
// ErrDecode, …). The value of that Send was not sent; the channel goes on.
var ErrNotDelivered = errors.New("rch: an item sent earlier was not delivered")

// origin is where a queued item came from, told when it cannot be
// delivered: the bridge that read it from a peer, or the function a local
// Send gave.
type origin interface {
	itemFailed(seq uint64, err error)
}

// onLost adapts a function to an origin.
type onLost func(error)

func (f onLost) itemFailed(_ uint64, err error) { f(err) }

// sentRing remembers the origins of the last items a writer wrote, by
// their number on its stream, so that a Failed notice finds its way back.
// Only items with an origin are kept (a miss goes to the channel's local
// senders anyway), in a ring that grows with use: an idle channel, or one
// whose items are all sent locally, holds none.
type sentRing struct {
	next uint64     // number of the last item written, from 1
	buf  []sentItem // len a power of two, up to sentRingSize
}

// sentRingSize is how many items back a Failed notice is matched to its
// origin; an older one goes to the channel's local senders.
const sentRingSize = 256

type sentItem struct {
	seq     uint64
	from    origin
	fromSeq uint64
}

// wrote records that the next item written came from the item fromSeq of
// from (nil: a local Send without a callback).
func (r *sentRing) wrote(from origin, fromSeq uint64) {
	r.next++
	if from == nil {
		return // a stale slot never matches: its seq is older
	}
	// Grow rather than forget an item of the last sentRingSize.
	for n := uint64(len(r.buf)); n < sentRingSize; n = uint64(len(r.buf)) {
		if n > 0 {
			if old := r.buf[r.next%n]; old.seq == 0 || r.next-old.seq >= sentRingSize {
				break
			}
		}
		r.grow(max(8, 2*n))
	}
	r.buf[r.next%uint64(len(r.buf))] = sentItem{r.next, from, fromSeq}
}

// grow moves the ring to n slots, keeping what it remembers.
func (r *sentRing) grow(n uint64) {
	buf := make([]sentItem, n)
	for _, it := range r.buf {
		if it.seq != 0 {
			buf[it.seq%n] = it
		}
	}
	r.buf = buf
}

// lookup returns the origin of item seq, if remembered.
func (r *sentRing) lookup(seq uint64) (origin, uint64, bool) {
	if len(r.buf) == 0 || seq == 0 {
		return nil, 0, false
	}
	it := r.buf[seq%uint64(len(r.buf))]
	if it.seq != seq {
		return nil, 0, false
	}
	return it.from, it.fromSeq, true
}

// DecodeError is the error Recv returns for an item that could not be
// decoded or was refused undecoded (it matches ErrDecode or ErrTooLarge).
// The serving side of a remote function uses it to answer a request it
// could not decode.
type DecodeError struct {
	Err  error
	raw  []byte
	conn *Conn
	from origin
	seq  uint64
}

func (e *DecodeError) Error() string { return e.Err.Error() }
func (e *DecodeError) Unwrap() error { return e.Err }

// Unmarshal decodes the item into v, which must not hold channel halves:
// what can be read of an item whose full decoding failed, such as the
// header fields of a request.
func (e *DecodeError) Unmarshal(v any) error {
	if e.conn == nil || e.raw == nil {
		return errors.New("rch: nothing to decode")
	}
	return e.conn.codec.Unmarshal(e.raw, v)
}

// Report tells the item's sender that it was not delivered. Recv does so
// itself unless the receiver was made quiet (Rx.Quiet).
func (e *DecodeError) Report() {
	if e.from != nil {
		e.from.itemFailed(e.seq, e.Err)
	}
}

// itemError wraps err, an item-level failure of e, for Recv.
func itemError[T any](e entry[T], err error) error {
	if !errors.Is(err, ErrDecode) && !errors.Is(err, ErrTooLarge) {
		return err
	}
	return &DecodeError{Err: err, raw: e.raw, conn: e.conn, from: e.from, seq: e.seq}
}

// writeFailed tells the sending peer on st that its item seq was not
// delivered, on a goroutine of c's: st may be busy, and the caller may be
// the application's.
func writeFailed(c *Conn, st *mux.Stream, seq uint64, err error) {
	c.goroutine(func() {
		wire.WriteFrame(st, wire.Failed, wire.FailedPayload(seq, codeOf(err), err.Error()))
	})
}

// failedError turns a Failed frame's reason into the error a sender sees.
func failedError(code wire.ErrorCode, msg string) error {
	return fmt.Errorf("%w: %w", ErrNotDelivered, errOf(code, msg))
}
