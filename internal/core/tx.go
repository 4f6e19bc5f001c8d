package core

import (
	"context"
	"errors"

	"github.com/telechan/telechan/internal/wire"
	"github.com/telechan/telechan/mux"
)

// Tx is the sending half behind mpsc.Sender, oneshot.Sender and the
// sending side of the base channel. Kinds embed it by value. Its methods
// are safe for concurrent use.
type Tx[T any] struct {
	Port
	half[*Queue[T]]
	kind string
	// verbatim: items are []byte sent as they are (see Queue.verbatim).
	verbatim bool
	// size is the announced length of a sized byte stream, or zero.
	size int64
	// onMove runs just before the sender is sent away; see OnMove.
	onMove func()
}

// errZero reports a half that was never initialised.
var errZero = errors.New("rch: zero channel half (create halves with their kind's New)")

// InitPair makes tx and rx two halves of a new channel of the given
// capacity, with the given kind names on the wire.
func InitPair[T any](tx *Tx[T], rx *Rx[T], capacity int, txKind, rxKind string) {
	q := NewQueue[T](capacity)
	tx.init(q, txKind)
	rx.init(q, rxKind)
}

// InitBytePair is InitPair for a channel whose items are byte slices sent
// as they are, with no codec: the bin kind.
func InitBytePair(tx *Tx[[]byte], rx *Rx[[]byte], capacity int, txKind, rxKind string) {
	q := newQueueFor[[]byte](capacity, true)
	tx.verbatim, rx.verbatim = true, true
	tx.init(q, txKind)
	rx.init(q, rxKind)
}

// Verbatim marks a half about to be decoded as one of a byte channel.
func (t *Tx[T]) Verbatim() { t.verbatim = true }

// SetSize announces the length of a sized byte stream.
func (t *Tx[T]) SetSize(n int64) { t.size = n }

// Size returns the announced length of a sized byte stream, or zero.
func (t *Tx[T]) Size() int64 { return t.size }

// OnMove sets f to run when t is sent away inside a message, just before
// it moves: f may still send on t, and what it sends reaches the receiver
// before anything the new holder sends. f must not block. Set it before
// t is shared; clones do not inherit it.
func (t *Tx[T]) OnMove(f func()) { t.onMove = f }

func (t *Tx[T]) init(q *Queue[T], kind string) {
	t.obj, t.kind = q, kind
	t.Port.Init((*txBinder[T])(t))
}

// Send queues v for the receiver, waiting while the channel is full. When
// the receiver lives on a peer, v is encoded here, so an item that cannot
// be encoded or is too large fails at once and leaves the channel as it
// was. If an item queued earlier was not delivered (see delivery.go), Send
// returns an error matching ErrNotDelivered, once, and does not send v.
func (t *Tx[T]) Send(ctx context.Context, v T) error {
	return t.SendOr(ctx, v, nil)
}

// SendOr is Send, with lost, if not nil, told instead of the next Send if v
// cannot be delivered once queued. lost must not block.
func (t *Tx[T]) SendOr(ctx context.Context, v T, lost func(error)) error {
	q, err := t.live()
	if err != nil {
		return err
	}
	if err := q.takeFailed(); err != nil {
		return err
	}
	var from origin
	if lost != nil {
		from = onLost(lost)
	}
	rc := q.remoteConn()
	if rc == nil || q.verbatim {
		return q.push(ctx, entry[T]{v: v, from: from})
	}
	if rc.Err() != nil {
		return rc.lost()
	}
	raw, b, err := rc.encode(v)
	if err != nil {
		return err
	}
	// Wait for room in what the connection may hold for a peer that does
	// not read, before the halves inside v are committed.
	if _, err := rc.mem.take(ctx, rc.Done(), outbound, len(raw)); err != nil {
		b.abort()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return rc.lost()
	}
	b.commit()
	if err := q.push(ctx, entry[T]{raw: raw, conn: rc, out: true, charged: true, from: from}); err != nil {
		rc.mem.give(outbound, len(raw))
		b.cancel(err)
		return err
	}
	return nil
}

// TrySend queues v if there is room now; it reports false when the
// channel is full.
func (t *Tx[T]) TrySend(v T) (bool, error) {
	q, err := t.live()
	if err != nil {
		return false, err
	}
	if err := q.takeFailed(); err != nil {
		return false, err
	}
	rc := q.remoteConn()
	if rc == nil || q.verbatim {
		return q.tryPush(entry[T]{v: v})
	}
	raw, b, err := rc.encode(v)
	if err != nil {
		return false, err
	}
	if !rc.mem.tryTake(outbound, len(raw)) {
		b.abort()
		return false, nil
	}
	b.commit()
	ok, err := q.tryPush(entry[T]{raw: raw, conn: rc, out: true, charged: true})
	if !ok {
		rc.mem.give(outbound, len(raw))
		if err == nil {
			err = errors.New("rch: channel full")
		}
		b.cancel(err)
	}
	return ok, err
}

// Close says this sender is done; the receiver sees io.EOF once every
// sender has closed and it has taken every queued item. It is idempotent.
func (t *Tx[T]) Close() error {
	if q, ok := t.close(); ok {
		q.doneSender()
	}
	return nil
}

// CloneInto makes dst another sender of t's channel.
func (t *Tx[T]) CloneInto(dst *Tx[T]) {
	q, err := t.live()
	dst.verbatim = t.verbatim
	dst.init(q, t.kind)
	if err != nil || q.addSender() != nil {
		dst.closed = true
	}
}

// Err returns nil while the receiving side is alive and then why it ended:
// ErrClosed, ErrDropped, or an error wrapping ErrDisconnected.
func (t *Tx[T]) Err() error {
	q, err := t.live()
	if err != nil {
		return err
	}
	q.mu.Lock()
	closed, rc := q.closed, q.remote
	q.mu.Unlock()
	if closed == nil && rc != nil && rc.Err() != nil {
		return rc.lost()
	}
	return closed
}

// Closed returns a channel that is closed once the receiving side is gone
// (closed, dropped, or its connection lost): Err then says why.
func (t *Tx[T]) Closed() <-chan struct{} {
	q, err := t.live()
	if err != nil {
		return closedChan
	}
	return q.closedChan()
}

// DecodeJSON reads the JSON form of a half of the given kind into t.
func (t *Tx[T]) DecodeJSON(data []byte, kind string) error {
	t.kind = kind
	return t.Port.DecodeJSON(data, (*txBinder[T])(t))
}

// DecodeCBOR reads the CBOR form of a half of the given kind into t.
func (t *Tx[T]) DecodeCBOR(data []byte, kind string) error {
	t.kind = kind
	return t.Port.DecodeCBOR(data, (*txBinder[T])(t))
}

// txBinder is Tx as the connection sees it.
type txBinder[T any] Tx[T]

func (b *txBinder[T]) tx() *Tx[T]   { return (*Tx[T])(b) }
func (b *txBinder[T]) Kind() string { return b.kind }
func (b *txBinder[T]) Cap() uint32  { return 0 }
func (b *txBinder[T]) Close() error { return b.tx().Close() }
func (b *txBinder[T]) Size() int64  { return b.size }

func (b *txBinder[T]) Check() error {
	_, err := b.tx().live()
	return err
}

// Commit hands the sender's producer count to a link: when the peer claims
// the port, a reader pushes what the peer sends.
func (b *txBinder[T]) Commit(c *Conn) Link {
	if b.onMove != nil {
		b.onMove()
	}
	q, closed := b.tx().move()
	return &txLink[T]{q: q, closed: closed}
}

// Attach brings a sender decoded from a message to life: the receiver
// lives on the peer, so a writer sends what this sender queues.
func (b *txBinder[T]) Attach(c *Conn, st *mux.Stream, ref wire.Ref) error {
	q := newQueueFor[T](c.queueCap(ref.Cap), b.verbatim)
	q.setRemote(c)
	b.tx().init(q, ref.Kind)
	b.size = ref.Size
	pumpOut(c, st, q, true)
	return nil
}

// txLink is a sender sent away, waiting for the peer to claim it.
type txLink[T any] struct {
	q      *Queue[T]
	closed bool // the sender was closed before it left: the peer gets End
}

func (l *txLink[T]) Connected(c *Conn, st *mux.Stream) {
	if l.closed {
		wire.WriteFrame(st, wire.End, nil)
		st.Close()
		return
	}
	pumpIn(c, st, l.q, true)
}

func (l *txLink[T]) Failed(err error) {
	if !l.closed {
		l.q.doneSenderErr(err)
	}
}
