package oneshot

import (
	"context"
	"errors"
	"io"
	"iter"
	"sync/atomic"

	"github.com/telechan/telechan/internal/core"
)

// Kind names on the wire.
const (
	kindSender   = "oneshot.Sender"
	kindReceiver = "oneshot.Receiver"
)

// ErrNoValue is returned by Recv when the sender was closed without
// sending a value.
var ErrNoValue = errors.New("oneshot: sender closed without sending a value")

// handle lets a half travel inside messages; see package rch.
type handle = core.Handle

// New returns the two halves of a channel for exactly one value. Either
// half may be sent to a peer inside any message.
func New[T any]() (*Sender[T], *Receiver[T]) {
	s, r := new(Sender[T]), new(Receiver[T])
	core.InitPair(&s.tx, &r.rx, 1, kindSender, kindReceiver)
	s.handle = core.HandleOf(&s.tx.Port)
	r.handle = core.HandleOf(&r.rx.Port)
	return s, r
}

// Sender sends the one value. Its methods are safe for concurrent use.
type Sender[T any] struct {
	handle
	tx   core.Tx[T]
	used atomic.Bool
}

// Send sends v and closes the sender; it never waits. A second Send fails
// with rch.ErrClosed. When the receiver lives on a peer, v is encoded here:
// a value that cannot be encoded or is too large fails at once, and the
// sender may try again with another value.
func (s *Sender[T]) Send(v T) error {
	if !s.used.CompareAndSwap(false, true) {
		return core.ErrClosed
	}
	if err := s.tx.Send(context.Background(), v); err != nil {
		if errors.Is(err, core.ErrTooLarge) || errors.Is(err, core.ErrDecode) || !isChannelErr(err) {
			s.used.Store(false)
		}
		return err
	}
	return s.tx.Close()
}

// isChannelErr reports whether err says the channel itself is gone.
func isChannelErr(err error) bool {
	return errors.Is(err, core.ErrClosed) || errors.Is(err, core.ErrDropped) ||
		errors.Is(err, core.ErrDisconnected) || errors.Is(err, core.ErrMoved)
}

// Close closes the sender without a value: the receiver gets ErrNoValue.
// After Send it does nothing. It is idempotent.
func (s *Sender[T]) Close() error {
	s.used.Store(true)
	return s.tx.Close()
}

// Err returns nil while the receiver is alive, and then why it is gone.
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

// Receiver receives the one value.
type Receiver[T any] struct {
	handle
	rx  core.Rx[T]
	got atomic.Bool
}

// Recv waits for the value. It returns ErrNoValue if the sender was closed
// without sending, an error wrapping rch.ErrDisconnected or rch.ErrDropped
// if the sender was lost, and rch.ErrClosed once the value was taken.
func (r *Receiver[T]) Recv(ctx context.Context) (T, error) {
	if r.got.Load() {
		var zero T
		return zero, core.ErrClosed
	}
	v, err := r.rx.Recv(ctx)
	return r.result(v, err)
}

// TryRecv returns the value if it is there; ok is false otherwise.
func (r *Receiver[T]) TryRecv() (v T, ok bool, err error) {
	if r.got.Load() {
		return v, false, core.ErrClosed
	}
	v, ok, err = r.rx.TryRecv()
	if !ok && err == nil {
		return v, false, nil
	}
	v, err = r.result(v, err)
	return v, err == nil, err
}

func (r *Receiver[T]) result(v T, err error) (T, error) {
	switch {
	case errors.Is(err, io.EOF):
		return v, ErrNoValue
	case err == nil:
		r.got.Store(true)
		r.rx.Close()
	}
	return v, err
}

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
// in a select statement.
func (r *Receiver[T]) Ready() <-chan struct{} { return r.rx.Ready() }

// Close closes the receiver; the sender's Send then fails with
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
