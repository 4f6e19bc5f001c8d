package watch

import (
	"context"
	"iter"

	"github.com/telechan/telechan/internal/core"
)

// Kind names on the wire.
const (
	kindSender   = "watch.Sender"
	kindReceiver = "watch.Receiver"
)

// ErrHalf is returned by Send for a value that holds a channel half: a
// watch value may be skipped, and a skipped half would never arrive.
var ErrHalf = core.ErrWatchHalf

// handle lets a half travel inside messages; see package rch.
type handle = core.Handle

// New returns the two halves of a watch channel holding init. Either half
// may be sent to a peer inside any message.
func New[T any](init T) (*Sender[T], *Receiver[T]) {
	s, r := new(Sender[T]), new(Receiver[T])
	core.InitWatch(&s.tx, &r.rx, init, kindSender, kindReceiver)
	s.handle = core.HandleOf(&s.tx.Port)
	r.handle = core.HandleOf(&r.rx.Port)
	return s, r
}

// Sender sets the value. Its methods are safe for concurrent use.
type Sender[T any] struct {
	handle
	tx core.WatchTx[T]
}

// Send replaces the value; it never waits, however slow the receivers.
// It fails with rch.ErrClosed once every receiver is gone, and at once,
// changing nothing, when the value cannot be encoded for a remote receiver,
// is too large (rch.ErrTooLarge) or holds a channel half (ErrHalf).
func (s *Sender[T]) Send(v T) error { return s.tx.Send(v) }

// Close ends the channel: every receiver still gets the last value, then
// io.EOF. It is idempotent.
func (s *Sender[T]) Close() error { return s.tx.Close() }

// Err returns nil while a receiver is alive, and then why the last one
// went: rch.ErrClosed once every receiver is closed, or, if a receiver's
// connection was lost, an error wrapping rch.ErrDisconnected (and
// rch.ErrDropped for a receiver that went away without closing).
func (s *Sender[T]) Err() error { return s.tx.Err() }

// Closed returns a channel that is closed once every receiver is closed or
// gone, for use in a select statement.
func (s *Sender[T]) Closed() <-chan struct{} { return s.tx.Closed() }

// UnmarshalJSON reads a sender's reference; the connection that decodes
// the message then binds it.
func (s *Sender[T]) UnmarshalJSON(b []byte) error {
	s.handle = core.HandleOf(&s.tx.Port)
	return s.tx.DecodeJSON(b, kindSender)
}

// UnmarshalCBOR reads a sender's reference; the connection that decodes
// the message then binds it.
func (s *Sender[T]) UnmarshalCBOR(b []byte) error {
	s.handle = core.HandleOf(&s.tx.Port)
	return s.tx.DecodeCBOR(b, kindSender)
}

// Receiver follows the value. One goroutine at a time may use a Receiver;
// Clone it for another.
type Receiver[T any] struct {
	handle
	rx core.WatchRx[T]
}

// Recv returns the current value if this receiver has not seen it, and
// otherwise waits for the next change. Values replaced before Recv looked
// are skipped. After the sender closed and its final value was returned,
// Recv returns io.EOF; if the sender was lost, an error wrapping
// rch.ErrDisconnected or rch.ErrDropped.
func (r *Receiver[T]) Recv(ctx context.Context) (T, error) { return r.rx.Recv(ctx) }

// Get returns the current value without waiting. A receiver that came from
// a peer holds the zero value until the peer's first value arrives.
func (r *Receiver[T]) Get() (T, error) { return r.rx.Get() }

// All returns an iterator over the values, for a range loop:
//
//	for v, err := range r.All(ctx) { … }
//
// It ends quietly after the last value. An error that concerns one value
// (rch.ErrDecode, rch.ErrTooLarge, a lag) is yielded and the loop goes on;
// any other error is yielded once and ends it. Breaking out of the loop
// leaves the receiver usable.
func (r *Receiver[T]) All(ctx context.Context) iter.Seq2[T, error] { return core.All(ctx, r.Recv) }

// Ready returns a channel that is closed once Recv would not wait, for use
// in a select statement. Take a fresh one after each Recv.
func (r *Receiver[T]) Ready() <-chan struct{} { return r.rx.Ready() }

// Clone returns another receiver of the channel that has seen what r has.
func (r *Receiver[T]) Clone() *Receiver[T] {
	c := new(Receiver[T])
	r.rx.CloneInto(&c.rx)
	c.handle = core.HandleOf(&c.rx.Port)
	return c
}

// Close closes this receiver: a Recv waiting on it returns rch.ErrClosed,
// and once every receiver is closed, the sender's Send fails with
// rch.ErrClosed. It is idempotent.
func (r *Receiver[T]) Close() error { return r.rx.Close() }

// UnmarshalJSON reads a receiver's reference; the connection that decodes
// the message then binds it.
func (r *Receiver[T]) UnmarshalJSON(b []byte) error {
	r.handle = core.HandleOf(&r.rx.Port)
	return r.rx.DecodeJSON(b, kindReceiver)
}

// UnmarshalCBOR reads a receiver's reference; the connection that decodes
// the message then binds it.
func (r *Receiver[T]) UnmarshalCBOR(b []byte) error {
	r.handle = core.HandleOf(&r.rx.Port)
	return r.rx.DecodeCBOR(b, kindReceiver)
}
