package mpsc

import (
	"context"
	"iter"

	"github.com/telechan/telechan/internal/core"
)

// Kind names on the wire.
const (
	kindSender   = "mpsc.Sender"
	kindReceiver = "mpsc.Receiver"
)

// handle lets a half travel inside messages; see package rch.
type handle = core.Handle

// New returns the two halves of a channel that buffers up to capacity
// values (at least one). Either half may be sent to a peer inside any
// message; the half that stays behaves as if the other were still local.
func New[T any](capacity int) (*Sender[T], *Receiver[T]) {
	s, r := new(Sender[T]), new(Receiver[T])
	core.InitPair(&s.tx, &r.rx, capacity, kindSender, kindReceiver)
	s.handle = core.HandleOf(&s.tx.Port)
	r.handle = core.HandleOf(&r.rx.Port)
	return s, r
}

// Sender sends values to the channel's Receiver. Clone it for more
// senders. Its methods are safe for concurrent use.
type Sender[T any] struct {
	handle
	tx core.Tx[T]
}

// Send queues v, waiting while the channel is full or until ctx ends. It
// fails with ErrClosed once the receiver closed the channel, ErrDropped
// once the receiver went away without closing, an error wrapping
// ErrDisconnected once the connection to it was lost, and ErrMoved after
// this sender was itself sent away (errors from package rch). When the
// receiver lives on a peer, v is encoded here: a value that cannot be
// encoded or is too large (rch.ErrTooLarge) fails at once and changes
// nothing.
func (s *Sender[T]) Send(ctx context.Context, v T) error { return s.tx.Send(ctx, v) }

// TrySend queues v if there is room now; it reports false when the channel
// is full.
func (s *Sender[T]) TrySend(v T) (bool, error) { return s.tx.TrySend(v) }

// Clone returns another sender of the same channel. The receiver sees
// io.EOF once every sender is closed.
func (s *Sender[T]) Clone() *Sender[T] {
	c := new(Sender[T])
	s.tx.CloneInto(&c.tx)
	c.handle = core.HandleOf(&c.tx.Port)
	return c
}

// Close says this sender is done. Values already sent are still
// delivered. It is idempotent.
func (s *Sender[T]) Close() error { return s.tx.Close() }

// Err returns nil while the receiver is alive, and then why it is gone:
// rch.ErrClosed, rch.ErrDropped, or an error wrapping rch.ErrDisconnected.
func (s *Sender[T]) Err() error { return s.tx.Err() }

// Closed returns a channel that is closed once the receiver is gone
// (closed, dropped, or its connection lost), for use in a select
// statement; Err then says why.
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

// Receiver receives the values of every Sender of its channel, in the
// order each sender sent them.
type Receiver[T any] struct {
	handle
	rx core.Rx[T]
}

// Recv returns the next value, waiting for one or until ctx ends. It
// returns io.EOF once every sender closed cleanly and every value was
// taken. A sender lost with its connection shows as an error wrapping
// rch.ErrDisconnected: at once if other senders remain, and in place of
// io.EOF at the end. rch.ErrDecode and rch.ErrTooLarge concern one value;
// the channel stays usable. Recv may be called concurrently.
func (r *Receiver[T]) Recv(ctx context.Context) (T, error) { return r.rx.Recv(ctx) }

// TryRecv returns the next value if one is ready; ok is false otherwise.
func (r *Receiver[T]) TryRecv() (v T, ok bool, err error) { return r.rx.TryRecv() }

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

// Close closes the channel: senders get rch.ErrClosed, values still queued
// are dropped. It is idempotent.
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
