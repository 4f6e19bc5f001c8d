package core

import (
	"context"

	"github.com/telechan/telechan/internal/wire"
	"github.com/telechan/telechan/mux"
)

// BcastTx is the sending half of a broadcast channel. Its methods are safe
// for concurrent use.
type BcastTx[T any] struct {
	Port
	half[*Ring[T]]
	kind    string
	subKind string // the kind name of its subscribers
}

// BcastRx is a subscriber of a broadcast channel. One goroutine at a time
// may use it; clone it for another.
type BcastRx[T any] struct {
	Port
	half[*Ring[T]]
	kind string
	cur  cursor // guarded by mu
}

// InitBcast makes tx and rx the sender and a first subscriber of a new
// broadcast channel that holds the last capacity values.
func InitBcast[T any](tx *BcastTx[T], rx *BcastRx[T], capacity int, txKind, rxKind string) {
	r := newRing[T](capacity, 1)
	tx.init(r, txKind)
	tx.subKind = rxKind
	rx.init(r, rxKind, cursor{})
}

func (t *BcastTx[T]) init(r *Ring[T], kind string) {
	t.obj, t.kind = r, kind
	t.Port.Init((*bcastTxBinder[T])(t))
}

func (x *BcastRx[T]) init(r *Ring[T], kind string, cur cursor) {
	x.obj, x.kind, x.cur = r, kind, cur
	x.Port.Init((*bcastRxBinder[T])(x))
}

// Send publishes v to every subscriber; it never waits. A value that
// cannot be encoded for a remote subscriber, or is too large, fails at once
// and is not published.
func (t *BcastTx[T]) Send(v T) error {
	r, err := t.live()
	if err != nil {
		return err
	}
	return r.send(v)
}

// Err returns nil while a subscriber is alive, here or on a peer, and
// then why the last went: ErrClosed, or why a subscriber's link ended
// abnormally (an error wrapping ErrDisconnected when its connection was
// lost). A new subscription makes it nil again.
func (t *BcastTx[T]) Err() error {
	r, err := t.live()
	if err != nil {
		return err
	}
	return r.subErr()
}

// Closed returns a channel that is closed once no subscriber is left, here
// or on a peer; Err then says why. After a new subscription, take a fresh
// one.
func (t *BcastTx[T]) Closed() <-chan struct{} {
	r, err := t.live()
	if err != nil {
		return closedChan
	}
	return r.closedChan()
}

// SubscribeInto makes dst a new subscriber that sees the values sent from
// now on.
func (t *BcastTx[T]) SubscribeInto(dst *BcastRx[T]) {
	r, err := t.live()
	if err != nil {
		dst.init(nil, "", cursor{})
		dst.closed = true
		return
	}
	dst.init(r, t.subKind, r.subscribe())
}

// Close ends the channel: subscribers get the values still held, then
// io.EOF. It is idempotent.
func (t *BcastTx[T]) Close() error {
	if r, ok := t.close(); ok {
		r.end(nil)
	}
	return nil
}

// DecodeJSON reads the JSON form of a sender of the given kind, whose
// subscribers are of kind subKind, into t.
func (t *BcastTx[T]) DecodeJSON(data []byte, kind, subKind string) error {
	t.kind, t.subKind = kind, subKind
	return t.Port.DecodeJSON(data, (*bcastTxBinder[T])(t))
}

// DecodeCBOR reads the CBOR form of a sender of the given kind, whose
// subscribers are of kind subKind, into t.
func (t *BcastTx[T]) DecodeCBOR(data []byte, kind, subKind string) error {
	t.kind, t.subKind = kind, subKind
	return t.Port.DecodeCBOR(data, (*bcastTxBinder[T])(t))
}

// Recv returns the next value, waiting for one. A subscriber that fell
// behind gets a *LagError saying how many values it missed, then the
// oldest value still held. After the sender closed and every value held
// was taken: io.EOF, or why the sender was lost.
func (x *BcastRx[T]) Recv(ctx context.Context) (T, error) {
	var zero T
	r, err := x.live()
	if err != nil {
		return zero, err
	}
	x.mu.Lock()
	cur := x.cur
	x.mu.Unlock()
	e, err := r.next(ctx, &cur, x.isClosed)
	x.mu.Lock()
	x.cur = cur
	x.mu.Unlock()
	if err != nil {
		return zero, err
	}
	return e.v, nil
}

// Ready returns a channel closed once Recv would not wait.
func (x *BcastRx[T]) Ready() <-chan struct{} {
	r, err := x.live()
	if err != nil {
		return closedChan
	}
	x.mu.Lock()
	cur := x.cur
	x.mu.Unlock()
	return r.ready(cur)
}

// CloneInto makes dst another subscriber at x's position.
func (x *BcastRx[T]) CloneInto(dst *BcastRx[T]) {
	r, err := x.live()
	if err != nil {
		dst.init(nil, x.kind, cursor{})
		dst.closed = true
		return
	}
	x.mu.Lock()
	cur := x.cur
	x.mu.Unlock()
	r.mu.Lock()
	r.subs++
	r.mu.Unlock()
	dst.init(r, x.kind, cur)
}

// Close ends this subscription. It is idempotent.
func (x *BcastRx[T]) Close() error {
	if r, ok := x.close(); ok {
		r.unsubscribe()
	}
	return nil
}

// DecodeJSON reads the JSON form of a half of the given kind into x.
func (x *BcastRx[T]) DecodeJSON(data []byte, kind string) error {
	x.kind = kind
	return x.Port.DecodeJSON(data, (*bcastRxBinder[T])(x))
}

// DecodeCBOR reads the CBOR form of a half of the given kind into x.
func (x *BcastRx[T]) DecodeCBOR(data []byte, kind string) error {
	x.kind = kind
	return x.Port.DecodeCBOR(data, (*bcastRxBinder[T])(x))
}

// bcastTxBinder is BcastTx as the connection sees it.
type bcastTxBinder[T any] BcastTx[T]

func (b *bcastTxBinder[T]) tx() *BcastTx[T] { return (*BcastTx[T])(b) }
func (b *bcastTxBinder[T]) Kind() string    { return b.kind }
func (b *bcastTxBinder[T]) Close() error    { return b.tx().Close() }

func (b *bcastTxBinder[T]) Cap() uint32 {
	if b.obj == nil {
		return 0
	}
	return uint32(len(b.obj.buf))
}

func (b *bcastTxBinder[T]) Check() error {
	_, err := b.tx().live()
	return err
}

// Commit: the sender now lives on the peer; a reader will publish here.
func (b *bcastTxBinder[T]) Commit(c *Conn) Link {
	r, closed := b.tx().move()
	return bcastTxLink[T]{r: r, closed: closed}
}

// Attach: a sender arrived; its subscribers live on the peer.
func (b *bcastTxBinder[T]) Attach(c *Conn, st *mux.Stream, ref wire.Ref) error {
	r := newRing[T](c.ringCap(ref.Cap), 1)
	b.tx().init(r, ref.Kind)
	ringOut(c, st, r, cursor{})
	return nil
}

type bcastTxLink[T any] struct {
	r      *Ring[T]
	closed bool
}

func (l bcastTxLink[T]) Connected(c *Conn, st *mux.Stream) {
	if l.closed {
		wire.WriteFrame(st, wire.End, nil)
		st.Close()
		return
	}
	ringIn(c, st, l.r)
}

func (l bcastTxLink[T]) Failed(err error) {
	if !l.closed {
		l.r.end(err)
	}
}

// bcastRxBinder is BcastRx as the connection sees it.
type bcastRxBinder[T any] BcastRx[T]

func (b *bcastRxBinder[T]) rx() *BcastRx[T] { return (*BcastRx[T])(b) }
func (b *bcastRxBinder[T]) Kind() string    { return b.kind }
func (b *bcastRxBinder[T]) Close() error    { return b.rx().Close() }

func (b *bcastRxBinder[T]) Cap() uint32 {
	if b.obj == nil {
		return 0
	}
	return uint32(len(b.obj.buf))
}

func (b *bcastRxBinder[T]) Check() error {
	_, err := b.rx().live()
	return err
}

// Commit: the subscriber now lives on the peer; its subscription goes to
// the link, from the position it had reached.
func (b *bcastRxBinder[T]) Commit(c *Conn) Link {
	x := b.rx()
	x.mu.Lock()
	cur := x.cur
	x.mu.Unlock()
	r, closed := x.move()
	return bcastRxLink[T]{r: r, cur: cur, closed: closed}
}

// Attach: a subscriber arrived; its sender lives on the peer.
func (b *bcastRxBinder[T]) Attach(c *Conn, st *mux.Stream, ref wire.Ref) error {
	r := newRing[T](c.ringCap(ref.Cap), 1)
	b.rx().init(r, ref.Kind, cursor{})
	ringIn(c, st, r)
	return nil
}

type bcastRxLink[T any] struct {
	r      *Ring[T]
	cur    cursor
	closed bool
}

func (l bcastRxLink[T]) Connected(c *Conn, st *mux.Stream) {
	if l.closed {
		wire.WriteFrame(st, wire.Error, wire.ErrorPayload(wire.CodeDropped, "subscriber was closed before it was sent"))
		st.Close()
		return
	}
	ringOut(c, st, l.r, l.cur)
}

func (l bcastRxLink[T]) Failed(err error) {
	if !l.closed {
		l.r.unsubscribeErr(err)
	}
}
