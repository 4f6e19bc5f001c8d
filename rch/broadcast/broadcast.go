package broadcast

import (
	"context"
	"iter"

	"github.com/telechan/telechan/internal/core"
)

// Kind names on the wire.
const (
	kindSender   = "broadcast.Sender"
	kindReceiver = "broadcast.Receiver"
)

// ErrLagged matches every *LagError with errors.Is.
var ErrLagged = core.ErrLagged

// LagError is returned by Recv to a subscriber that fell behind: Missed
// values are gone for it, and the next Recv returns the oldest value still
// held. Use errors.As to read it.
type LagError = core.LagError

// ErrHalf is returned by Send for a value that holds a channel half: a
// subscriber may miss values, and a missed half would never arrive.
var ErrHalf = core.ErrWatchHalf

// handle lets a half travel inside messages; see package rch.
type handle = core.Handle

// New returns the sender and a first subscriber of a broadcast channel that
// holds the last capacity values (at least one) for subscribers that fall
// behind. Either half may be sent to a peer inside any message.
func New[T any](capacity int) (*Sender[T], *Receiver[T]) {
	s, r := new(Sender[T]), new(Receiver[T])
	core.InitBcast(&s.tx, &r.rx, capacity, kindSender, kindReceiver)
	s.handle = core.HandleOf(&s.tx.Port)
	r.handle = core.HandleOf(&r.rx.Port)
	return s, r
}

// Sender publishes values to every subscriber. Its methods are safe for
// concurrent use.
type Sender[T any] struct {
	handle
	tx core.BcastTx[T]
}

// Send publishes v; it never waits, however slow a subscriber. It fails at
// once, publishing nothing, when v cannot be encoded for a remote
// subscriber, is too large (rch.ErrTooLarge) or holds a channel half
// (ErrHalf), and with rch.ErrClosed after Close.
func (s *Sender[T]) Send(v T) error { return s.tx.Send(v) }

// Err returns nil while a subscriber is alive, here or on a peer, and
// then why the last one went: rch.ErrClosed when it was closed, an error
// matching rch.ErrDisconnected when its connection was lost. A sender
// received from a peer has one subscriber, the link back, so its Err tells
// when its values can no longer arrive. Send does not fail for want of
// subscribers: a later Subscribe makes Err nil again.
func (s *Sender[T]) Err() error { return s.tx.Err() }

// Closed returns a channel that is closed once no subscriber is left, here
// or on a peer, for use in a select statement; Err then says why. A new
// subscription opens the channel again: take a fresh one after Subscribe.
func (s *Sender[T]) Closed() <-chan struct{} { return s.tx.Closed() }

// Subscribe returns a new subscriber that receives the values sent from
// now on.
func (s *Sender[T]) Subscribe() *Receiver[T] {
	r := new(Receiver[T])
	s.tx.SubscribeInto(&r.rx)
	r.handle = core.HandleOf(&r.rx.Port)
	return r
}

// Close ends the channel: subscribers receive the values still held, then
// io.EOF. It is idempotent.
func (s *Sender[T]) Close() error { return s.tx.Close() }

// UnmarshalJSON reads a sender's reference; the connection that decodes
// the message then binds it.
func (s *Sender[T]) UnmarshalJSON(b []byte) error {
	s.handle = core.HandleOf(&s.tx.Port)
	return s.tx.DecodeJSON(b, kindSender, kindReceiver)
}

// UnmarshalCBOR reads a sender's reference; the connection that decodes
// the message then binds it.
func (s *Sender[T]) UnmarshalCBOR(b []byte) error {
	s.handle = core.HandleOf(&s.tx.Port)
	return s.tx.DecodeCBOR(b, kindSender, kindReceiver)
}

// Receiver is one subscriber. One goroutine at a time may use it; Clone it
// for another.
type Receiver[T any] struct {
	handle
	rx core.BcastRx[T]
}

// Recv returns the next value, waiting for one. A subscriber that fell
// behind gets a *LagError saying how many values it missed, then goes on
// with the oldest value still held. After the sender closed and every
// value held was taken, Recv returns io.EOF; if the sender was lost, an
// error wrapping rch.ErrDisconnected or rch.ErrDropped.
func (r *Receiver[T]) Recv(ctx context.Context) (T, error) { return r.rx.Recv(ctx) }

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

// Clone returns another subscriber at the same position.
func (r *Receiver[T]) Clone() *Receiver[T] {
	c := new(Receiver[T])
	r.rx.CloneInto(&c.rx)
	c.handle = core.HandleOf(&c.rx.Port)
	return c
}

// Close ends this subscription: a Recv waiting on it returns
// rch.ErrClosed. It is idempotent.
func (r *Receiver[T]) Close() error { return r.rx.Close() }

// UnmarshalJSON reads a subscriber's reference; the connection that
// decodes the message then binds it.
func (r *Receiver[T]) UnmarshalJSON(b []byte) error {
	r.handle = core.HandleOf(&r.rx.Port)
	return r.rx.DecodeJSON(b, kindReceiver)
}

// UnmarshalCBOR reads a subscriber's reference; the connection that
// decodes the message then binds it.
func (r *Receiver[T]) UnmarshalCBOR(b []byte) error {
	r.handle = core.HandleOf(&r.rx.Port)
	return r.rx.DecodeCBOR(b, kindReceiver)
}
