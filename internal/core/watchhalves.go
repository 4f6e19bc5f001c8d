package core

import (
	"context"

	"github.com/telechan/telechan/internal/wire"
	"github.com/telechan/telechan/mux"
)

// WatchTx is the sending half of a watch channel. Its methods are safe for
// concurrent use.
type WatchTx[T any] struct {
	Port
	half[*Slot[T]]
	kind string
}

// WatchRx is a receiving half of a watch channel. One goroutine at a time
// may call Recv; clone it for more.
type WatchRx[T any] struct {
	Port
	half[*Slot[T]]
	kind string
	seen uint64 // the version Recv last returned; guarded by mu
}

// InitWatch makes tx and rx the two halves of a new watch channel holding
// init.
func InitWatch[T any](tx *WatchTx[T], rx *WatchRx[T], init T, txKind, rxKind string) {
	s := newSlot(init)
	tx.init(s, txKind)
	rx.init(s, rxKind, 0)
}

func (t *WatchTx[T]) init(s *Slot[T], kind string) {
	t.obj, t.kind = s, kind
	t.Port.Init((*watchTxBinder[T])(t))
}

func (r *WatchRx[T]) init(s *Slot[T], kind string, seen uint64) {
	r.obj, r.kind, r.seen = s, kind, seen
	r.Port.Init((*watchRxBinder[T])(r))
}

// Send replaces the value; it never waits. It fails with ErrClosed once
// every receiver is gone, and at once, changing nothing, when the value
// cannot be encoded for a remote receiver or is too large.
func (t *WatchTx[T]) Send(v T) error {
	s, err := t.live()
	if err != nil {
		return err
	}
	return s.set(v)
}

// Close ends the channel: receivers get the last value, then io.EOF. It is
// idempotent.
func (t *WatchTx[T]) Close() error {
	if s, ok := t.close(); ok {
		s.end(nil)
	}
	return nil
}

// Err returns nil while a receiver is alive and ErrClosed once every one
// is gone (or why a receiver's connection was lost, if one was).
func (t *WatchTx[T]) Err() error {
	s, err := t.live()
	if err != nil {
		return err
	}
	return s.rxGone()
}

// Closed returns a channel that is closed once every receiver is gone.
func (t *WatchTx[T]) Closed() <-chan struct{} {
	s, err := t.live()
	if err != nil {
		return closedChan
	}
	return s.noRx
}

// DecodeJSON reads the JSON form of a half of the given kind into t.
func (t *WatchTx[T]) DecodeJSON(data []byte, kind string) error {
	t.kind = kind
	return t.Port.DecodeJSON(data, (*watchTxBinder[T])(t))
}

// DecodeCBOR reads the CBOR form of a half of the given kind into t.
func (t *WatchTx[T]) DecodeCBOR(data []byte, kind string) error {
	t.kind = kind
	return t.Port.DecodeCBOR(data, (*watchTxBinder[T])(t))
}

// Recv returns the current value if this receiver has not seen it yet, and
// otherwise waits for the next one. After the sender closed and the final
// value was seen, it returns io.EOF; if the sender was lost, an error
// wrapping ErrDisconnected or ErrDropped.
func (r *WatchRx[T]) Recv(ctx context.Context) (T, error) {
	s, err := r.live()
	if err != nil {
		var zero T
		return zero, err
	}
	r.mu.Lock()
	seen := r.seen
	r.mu.Unlock()
	v, ver, err := s.next(ctx, seen, r.isClosed)
	r.mu.Lock()
	if ver > r.seen { // a value, or a value lost on its way (an item error)
		r.seen = ver
	}
	r.mu.Unlock()
	return v, err
}

// Get returns the current value without waiting and without marking it
// seen. A receiver that came from a peer holds the zero value until the
// first value arrives.
func (r *WatchRx[T]) Get() (T, error) {
	s, err := r.live()
	if err != nil {
		var zero T
		return zero, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.v, nil
}

// Ready returns a channel closed once Recv would not wait.
func (r *WatchRx[T]) Ready() <-chan struct{} {
	s, err := r.live()
	if err != nil {
		return closedChan
	}
	r.mu.Lock()
	seen := r.seen
	r.mu.Unlock()
	return s.ready(seen)
}

// CloneInto makes dst another receiver of r's channel, having seen what r
// has seen.
func (r *WatchRx[T]) CloneInto(dst *WatchRx[T]) {
	s, err := r.live()
	r.mu.Lock()
	seen := r.seen
	r.mu.Unlock()
	dst.init(s, r.kind, seen)
	if err != nil {
		dst.closed = true
		return
	}
	s.addRx()
}

// Close closes this receiver; once every receiver is closed the sender
// learns it. It is idempotent.
func (r *WatchRx[T]) Close() error {
	if s, ok := r.close(); ok {
		s.doneRx()
	}
	return nil
}

// DecodeJSON reads the JSON form of a half of the given kind into r.
func (r *WatchRx[T]) DecodeJSON(data []byte, kind string) error {
	r.kind = kind
	return r.Port.DecodeJSON(data, (*watchRxBinder[T])(r))
}

// DecodeCBOR reads the CBOR form of a half of the given kind into r.
func (r *WatchRx[T]) DecodeCBOR(data []byte, kind string) error {
	r.kind = kind
	return r.Port.DecodeCBOR(data, (*watchRxBinder[T])(r))
}

// watchTxBinder is WatchTx as the connection sees it.
type watchTxBinder[T any] WatchTx[T]

func (b *watchTxBinder[T]) tx() *WatchTx[T] { return (*WatchTx[T])(b) }
func (b *watchTxBinder[T]) Kind() string    { return b.kind }
func (b *watchTxBinder[T]) Cap() uint32     { return 0 }
func (b *watchTxBinder[T]) Close() error    { return b.tx().Close() }

func (b *watchTxBinder[T]) Check() error {
	_, err := b.tx().live()
	return err
}

// Commit: the sender now lives on the peer; a reader will feed the slot.
func (b *watchTxBinder[T]) Commit(c *Conn) Link {
	s, closed := b.tx().move()
	return watchTxLink[T]{s: s, closed: closed}
}

// Attach: a sender arrived; its receivers live on the peer.
func (b *watchTxBinder[T]) Attach(c *Conn, st *mux.Stream, ref wire.Ref) error {
	s := newRemoteSlot[T]()
	b.tx().init(s, ref.Kind)
	watchOut(c, st, s)
	return nil
}

type watchTxLink[T any] struct {
	s      *Slot[T]
	closed bool
}

func (l watchTxLink[T]) Connected(c *Conn, st *mux.Stream) {
	if l.closed {
		wire.WriteFrame(st, wire.End, nil)
		st.Close()
		return
	}
	watchIn(c, st, l.s)
}

func (l watchTxLink[T]) Failed(err error) {
	if !l.closed {
		l.s.end(err)
	}
}

// watchRxBinder is WatchRx as the connection sees it.
type watchRxBinder[T any] WatchRx[T]

func (b *watchRxBinder[T]) rx() *WatchRx[T] { return (*WatchRx[T])(b) }
func (b *watchRxBinder[T]) Kind() string    { return b.kind }
func (b *watchRxBinder[T]) Cap() uint32     { return 0 }
func (b *watchRxBinder[T]) Close() error    { return b.rx().Close() }

func (b *watchRxBinder[T]) Check() error {
	_, err := b.rx().live()
	return err
}

// Commit: the receiver now lives on the peer; its count goes to the link.
func (b *watchRxBinder[T]) Commit(c *Conn) Link {
	s, closed := b.rx().move()
	return watchRxLink[T]{s: s, closed: closed}
}

// Attach: a receiver arrived; its sender lives on the peer.
func (b *watchRxBinder[T]) Attach(c *Conn, st *mux.Stream, ref wire.Ref) error {
	s := newRemoteSlot[T]()
	b.rx().init(s, ref.Kind, 0)
	watchIn(c, st, s)
	return nil
}

type watchRxLink[T any] struct {
	s      *Slot[T]
	closed bool
}

func (l watchRxLink[T]) Connected(c *Conn, st *mux.Stream) {
	if l.closed {
		wire.WriteFrame(st, wire.Error, wire.ErrorPayload(wire.CodeDropped, "receiver was closed before it was sent"))
		st.Close()
		return
	}
	watchOut(c, st, l.s)
}

func (l watchRxLink[T]) Failed(err error) {
	if !l.closed {
		l.s.doneRxErr(err)
	}
}
