package rch

import (
	"context"
	"iter"

	"github.com/telechan/telechan/internal/core"
	"github.com/telechan/telechan/mux"
)

// Base is the base channel of a connection: values of type Out go to the
// peer, values of type In come from it. The peer's Base has the two types
// the other way round. Every other channel is reached through it, by
// sending channel halves inside its values.
//
// Send, Recv and their Try forms may be called concurrently; each value
// received goes to one caller.
type Base[Out, In any] struct {
	c  *core.Conn
	tx core.Tx[Out]
	rx core.Rx[In]
}

// Connect runs the telechan handshake over sess and returns the base
// channel. The client side (the one that dialled) proposes a protocol
// version and codecs, the server side picks; a mismatch fails on both sides
// with an error wrapping ErrHandshake. ctx bounds the handshake only.
//
// Connect takes sess over: closing the Base closes it, and it is closed if
// Connect fails.
func Connect[Out, In any](ctx context.Context, sess *mux.Session, opts *Options) (*Base[Out, In], error) {
	c, st, err := core.Connect(ctx, sess, opts.config())
	if err != nil {
		return nil, err
	}
	b := &Base[Out, In]{c: c}
	core.InitBase(c, st, &b.tx, &b.rx)
	return b, nil
}

// Send sends v to the peer, waiting while the channel is full. Channel
// halves inside v are sent along: each opens a stream of its own once the
// peer decodes v. A value that cannot be encoded or is too large fails at
// once and changes nothing; if v cannot be queued (ctx ends, the connection
// is lost) the halves inside it are closed.
func (b *Base[Out, In]) Send(ctx context.Context, v Out) error { return b.tx.Send(ctx, v) }

// TrySend sends v if the channel has room now; it reports false when full.
func (b *Base[Out, In]) TrySend(v Out) (bool, error) { return b.tx.TrySend(v) }

// Recv returns the next value from the peer. It returns io.EOF after the
// peer called CloseSend, and an error wrapping ErrDisconnected once the
// connection is lost. ErrDecode and ErrTooLarge concern one value only.
func (b *Base[Out, In]) Recv(ctx context.Context) (In, error) { return b.rx.Recv(ctx) }

// TryRecv returns the next value if one is ready; ok is false otherwise.
func (b *Base[Out, In]) TryRecv() (v In, ok bool, err error) { return b.rx.TryRecv() }

// All returns an iterator over the values from the peer, for a range
// loop. It ends quietly at io.EOF; an error for one value (ErrDecode,
// ErrTooLarge) is yielded and the loop goes on; any other error is yielded
// once and ends it.
func (b *Base[Out, In]) All(ctx context.Context) iter.Seq2[In, error] {
	return core.All(ctx, b.rx.Recv)
}

// Ready returns a channel that is closed once Recv would not wait, for use
// in a select statement. Take a fresh one after each Recv.
func (b *Base[Out, In]) Ready() <-chan struct{} { return b.rx.Ready() }

// CloseSend ends the direction towards the peer: its Recv returns io.EOF
// after the values already sent. Receiving goes on. It is idempotent.
func (b *Base[Out, In]) CloseSend() error { return b.tx.Close() }

// Close closes the connection: the session, the base channel and every
// channel carried by the connection, which then report ErrDisconnected. It
// returns once every goroutine of the connection has ended, and is
// idempotent.
func (b *Base[Out, In]) Close() error { return b.c.Close() }

// Done is closed once the connection has ended.
func (b *Base[Out, In]) Done() <-chan struct{} { return b.c.Done() }

// Err returns nil while the connection is up, and then why it ended.
func (b *Base[Out, In]) Err() error { return b.c.Err() }

// Codec returns the name of the codec the peers agreed on.
func (b *Base[Out, In]) Codec() string { return b.c.Codec().Name() }
