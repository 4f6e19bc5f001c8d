package core

import (
	"context"
	"reflect"

	"github.com/telechan/telechan/internal/wire"
	"github.com/telechan/telechan/mux"
)

// Rx is the receiving half behind mpsc.Receiver, oneshot.Receiver and the
// receiving side of the base channel. Kinds embed it by value. Recv and
// TryRecv are safe for concurrent use; each item goes to one caller.
type Rx[T any] struct {
	Port
	half[*Queue[T]]
	kind string
	// verbatim: items are []byte received as they are.
	verbatim bool
	// size is the announced length of a sized byte stream, or zero.
	size int64
	// quiet: the consumer reports undecodable items to their sender
	// itself (DecodeError.Report), or answers them otherwise.
	quiet bool
}

// Quiet makes Recv leave the reporting of an item it cannot decode to
// the caller: see DecodeError. Call it before the receiver is used.
func (r *Rx[T]) Quiet() { r.quiet = true }

// SetSize announces the length of a sized byte stream.
func (r *Rx[T]) SetSize(n int64) { r.size = n }

// Size returns the announced length of a sized byte stream, or zero.
func (r *Rx[T]) Size() int64 { return r.size }

// Verbatim marks a half about to be decoded as one of a byte channel.
func (r *Rx[T]) Verbatim() { r.verbatim = true }

func (r *Rx[T]) init(q *Queue[T], kind string) {
	r.obj, r.kind = q, kind
	r.Port.Init((*rxBinder[T])(r))
}

// Recv returns the next item, waiting for one. It returns io.EOF once
// every sender closed cleanly and every item was taken; an error wrapping
// ErrDisconnected or ErrDropped instead when a sender was lost. Errors for
// a single item (ErrDecode, ErrTooLarge) leave the channel usable.
func (r *Rx[T]) Recv(ctx context.Context) (T, error) {
	var zero T
	q, err := r.live()
	if err != nil {
		return zero, err
	}
	e, err := q.pop(ctx)
	if err != nil {
		return zero, err
	}
	return r.unpack(ctx, e)
}

// TryRecv returns the next item if one is ready; ok is false otherwise.
func (r *Rx[T]) TryRecv() (v T, ok bool, err error) {
	q, err := r.live()
	if err != nil {
		return v, false, err
	}
	e, ok, err := q.tryPop()
	if !ok || err != nil {
		return v, false, err
	}
	v, err = r.unpack(context.Background(), e)
	return v, err == nil, err
}

// unpack turns a queued entry into a value. An item that cannot be
// decoded is a *DecodeError, reported to its sender unless r is quiet.
func (r *Rx[T]) unpack(ctx context.Context, e entry[T]) (T, error) {
	var v T
	switch {
	case e.err != nil:
		return v, e.err
	case e.raw != nil && e.verbatim:
		return any(e.raw).(T), nil
	case e.raw != nil:
		err := e.conn.decode(ctx, e.raw, &v)
		if err == nil {
			return v, nil
		}
		err = itemError(e, err)
		if de, ok := err.(*DecodeError); ok && !r.quiet {
			de.Report()
		}
		return v, err
	}
	return e.v, nil
}

// Ended reports whether the channel is over for good: closed here, or
// every sender gone and every item taken. An error from Recv is final when
// Ended holds afterwards.
func (r *Rx[T]) Ended() bool {
	q, err := r.live()
	if err != nil {
		return true
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closed != nil || (q.senders == 0 && q.len() == 0)
}

// Ready returns a channel that is closed once Recv would not wait: an item,
// an error or the end is there. Take a fresh one after every Recv.
func (r *Rx[T]) Ready() <-chan struct{} {
	q, err := r.live()
	if err != nil {
		return closedChan
	}
	return q.ready()
}

// Close ends the channel from the receiving side: senders get ErrClosed,
// queued items are dropped. It is idempotent.
func (r *Rx[T]) Close() error {
	if q, ok := r.close(); ok {
		release(q.closeRecv(ErrClosed))
	}
	return nil
}

// release lets go of entries that will never be received: the ports inside
// items read from a peer are rejected so that their senders learn.
func release[T any](left []entry[T]) {
	if len(left) == 0 || !mayHold(reflect.TypeFor[T]()) {
		return
	}
	for _, e := range left {
		if e.raw != nil && !e.out {
			e.conn.rejectRaw(e.raw, "receiver closed before taking the item")
		}
	}
}

// DecodeJSON reads the JSON form of a half of the given kind into r.
func (r *Rx[T]) DecodeJSON(data []byte, kind string) error {
	r.kind = kind
	return r.Port.DecodeJSON(data, (*rxBinder[T])(r))
}

// DecodeCBOR reads the CBOR form of a half of the given kind into r.
func (r *Rx[T]) DecodeCBOR(data []byte, kind string) error {
	r.kind = kind
	return r.Port.DecodeCBOR(data, (*rxBinder[T])(r))
}

// rxBinder is Rx as the connection sees it.
type rxBinder[T any] Rx[T]

func (b *rxBinder[T]) rx() *Rx[T]   { return (*Rx[T])(b) }
func (b *rxBinder[T]) Kind() string { return b.kind }
func (b *rxBinder[T]) Close() error { return b.rx().Close() }
func (b *rxBinder[T]) Size() int64  { return b.size }

func (b *rxBinder[T]) Cap() uint32 {
	if b.obj == nil {
		return 0
	}
	return uint32(b.obj.Cap())
}

func (b *rxBinder[T]) Check() error {
	_, err := b.rx().live()
	return err
}

// Commit makes the peer the consumer of the queue: senders encode for c
// from now on, and a writer starts once the peer claims the port.
func (b *rxBinder[T]) Commit(c *Conn) Link {
	q, closed := b.rx().move()
	if closed {
		return rxLink[T]{closed: true}
	}
	q.setRemote(c)
	return rxLink[T]{q: q}
}

// Attach brings a receiver decoded from a message to life: its senders live
// on the peer, and a reader pushes what they send.
func (b *rxBinder[T]) Attach(c *Conn, st *mux.Stream, ref wire.Ref) error {
	q := newQueueFor[T](c.queueCap(ref.Cap), b.verbatim)
	b.rx().init(q, ref.Kind)
	b.size = ref.Size
	pumpIn(c, st, q, true)
	return nil
}

// rxLink is a receiver sent away, waiting for the peer to claim it.
type rxLink[T any] struct {
	q      *Queue[T]
	closed bool // the receiver was closed before it left
}

func (l rxLink[T]) Connected(c *Conn, st *mux.Stream) {
	if l.closed {
		wire.WriteFrame(st, wire.Error, wire.ErrorPayload(wire.CodeDropped, "receiver was closed before it was sent"))
		st.Close()
		return
	}
	pumpOut(c, st, l.q, true)
}

func (l rxLink[T]) Failed(err error) {
	if !l.closed {
		release(l.q.closeRecv(err))
	}
}
