package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
)

// entry is one queued item: a local value, an encoded item, or an error
// that the consumer reports once and then goes on.
type entry[T any] struct {
	v   T
	raw []byte // encoded item, when set
	// conn is the connection raw belongs to. out says raw was encoded for
	// sending on conn (its ports are offered there); otherwise raw was read
	// from conn (its ports are to be claimed there).
	conn *Conn
	out  bool
	err  error
	// verbatim: raw is the item itself, not an encoding of it.
	verbatim bool
	// charged: len(raw) bytes are charged to conn's memory budget (in the
	// direction out says) until the entry leaves the queue.
	charged bool
	// from is told if the item cannot be delivered; seq is its number
	// there (see delivery.go).
	from origin
	seq  uint64
}

// uncharge gives back what e holds of its connection's memory budget.
func (e *entry[T]) uncharge() {
	if e.charged {
		e.charged = false
		e.conn.mem.give(direction(e.out), len(e.raw))
	}
}

// Queue is the buffer of one channel: producers (local senders and bridges
// reading from a stream) push, one consumer (the receiver, or a bridge
// writing to a stream) pops. It is bounded by a count and, for encoded
// items, by bytes, and it knows how many producers are alive so that the
// consumer sees io.EOF when the last one closes.
//
// Lock order: Queue.mu is a leaf; it is never held across I/O, a codec call
// or a callback.
type Queue[T any] struct {
	mu       sync.Mutex
	items    []entry[T]
	head     int
	cap      int
	bytes    int
	maxBytes int
	senders  int
	// lost is why a producer ended abnormally: the consumer sees it instead
	// of io.EOF once every producer is gone.
	lost error
	// closed is set when the consumer side ends: the reason producers see.
	closed error
	// failed is why the first item a local producer queued was not
	// delivered, and failures how many were not, until the next Send
	// reports them.
	failed   error
	failures int
	// remote is the connection the consumer writes to, once the receiving
	// half has been sent away: producers then encode before pushing.
	remote *Conn
	// hooks are told when the consumer side ends, so that bridges feeding
	// the queue can tell their peers.
	hooks    []queueHook
	hook1    [1]queueHook // hooks' first backing array
	nextHook int
	// gone is closed once the consumer side ends (closed is set); made on
	// demand by closedChan.
	gone chan struct{}
	// wake is closed on the next change; made only when someone waits, so
	// that a queue nobody waits on allocates nothing per change.
	wake chan struct{}
	// verbatim says items are []byte carried as they are, with no codec:
	// the bin kind.
	verbatim bool
	// consumer, when set, is kicked after a producer changed the queue: a
	// consumer that keeps no goroutine while idle (see worker).
	consumer atomic.Pointer[worker]
}

// NewQueue returns a queue holding up to capacity items (at least one) with
// one live producer.
func NewQueue[T any](capacity int) *Queue[T] {
	if capacity < 1 {
		capacity = 1
	}
	return &Queue[T]{cap: capacity, senders: 1}
}

// newQueueFor returns a queue like NewQueue, carrying items verbatim when
// verbatim is set (T is then []byte).
func newQueueFor[T any](capacity int, verbatim bool) *Queue[T] {
	q := NewQueue[T](capacity)
	q.verbatim = verbatim
	return q
}

// Cap returns the queue's capacity.
func (q *Queue[T]) Cap() int { return q.cap }

// closeHook is told, once, that a queue's consumer side ended, and why.
// Bridges implement it, so that registering one allocates nothing.
type closeHook interface {
	consumerClosed(reason error)
}

// queueHook is a hook onClose registered, with its id.
type queueHook struct {
	id int
	h  closeHook
}

// waitChan returns the channel the next change closes. Call with q.mu
// held.
func (q *Queue[T]) waitChan() chan struct{} {
	if q.wake == nil {
		q.wake = make(chan struct{})
	}
	return q.wake
}

// changed wakes every waiter. Call with q.mu held.
func (q *Queue[T]) changed() {
	if q.wake != nil {
		close(q.wake)
		q.wake = nil
	}
}

func (q *Queue[T]) len() int { return len(q.items) - q.head }

// fits reports whether e may be pushed now. Call with q.mu held.
func (q *Queue[T]) fits(e *entry[T]) bool {
	if q.len() >= q.cap {
		return false
	}
	return q.maxBytes == 0 || q.bytes == 0 || q.bytes+len(e.raw) <= q.maxBytes
}

// SetMaxBytes bounds the encoded bytes the queue holds; an item is always
// admitted into an empty queue.
func (q *Queue[T]) SetMaxBytes(n int) {
	q.mu.Lock()
	q.maxBytes = n
	q.mu.Unlock()
}

// push adds e, waiting for room. It fails with the consumer's reason once
// the consumer side has ended, or with ctx's error.
func (q *Queue[T]) push(ctx context.Context, e entry[T]) error {
	defer q.kickConsumer()
	q.mu.Lock()
	for {
		if q.closed != nil {
			err := q.closed
			q.mu.Unlock()
			return err
		}
		if q.fits(&e) {
			q.items = append(q.items, e)
			q.bytes += len(e.raw)
			q.changed()
			q.mu.Unlock()
			return nil
		}
		wake := q.waitChan()
		q.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
		q.mu.Lock()
	}
}

// pushErr queues a non-final error for the consumer, regardless of room.
func (q *Queue[T]) pushErr(err error) {
	defer q.kickConsumer()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed == nil {
		q.items = append(q.items, entry[T]{err: err})
		q.changed()
	}
}

// tryPush adds e if there is room now. It reports false when the queue is
// full.
func (q *Queue[T]) tryPush(e entry[T]) (bool, error) {
	defer q.kickConsumer()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed != nil {
		return false, q.closed
	}
	if !q.fits(&e) {
		return false, nil
	}
	q.items = append(q.items, e)
	q.bytes += len(e.raw)
	q.changed()
	return true, nil
}

// pop removes the oldest entry, waiting for one. It returns io.EOF once the
// queue is empty and no producer is left, and the close reason once the
// consumer side has ended.
func (q *Queue[T]) pop(ctx context.Context) (entry[T], error) {
	q.mu.Lock()
	for {
		e, ok, err := q.take()
		if ok || err != nil {
			q.mu.Unlock()
			return e, err
		}
		wake := q.waitChan()
		q.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return entry[T]{}, ctx.Err()
		}
		q.mu.Lock()
	}
}

// tryPop is pop without waiting; ok is false when nothing is ready.
func (q *Queue[T]) tryPop() (e entry[T], ok bool, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.take()
}

// take removes the oldest entry. Call with q.mu held.
func (q *Queue[T]) take() (entry[T], bool, error) {
	if q.closed != nil {
		return entry[T]{}, false, q.closed
	}
	if q.len() == 0 {
		if q.senders == 0 {
			if q.lost != nil {
				return entry[T]{}, false, q.lost
			}
			return entry[T]{}, false, io.EOF
		}
		return entry[T]{}, false, nil
	}
	e := q.items[q.head]
	e.uncharge()
	q.items[q.head] = entry[T]{}
	q.head++
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	} else if q.head > 64 && q.head*2 > len(q.items) {
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
	q.bytes -= len(e.raw)
	q.changed()
	return e, true, nil
}

// setConsumer sets or, with nil, removes the worker kicked when a
// producer changes the queue.
func (q *Queue[T]) setConsumer(w *worker) { q.consumer.Store(w) }

// kickConsumer kicks the consumer's worker, if any. Call without q.mu held.
func (q *Queue[T]) kickConsumer() {
	if w := q.consumer.Load(); w != nil {
		w.kick()
	}
}

// poppable reports whether pop would not wait.
func (q *Queue[T]) poppable() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closed != nil || q.len() > 0 || q.senders == 0
}

// ready returns a channel that is closed once pop would not wait.
func (q *Queue[T]) ready() <-chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed != nil || q.len() > 0 || q.senders == 0 {
		return closedChan
	}
	return q.waitChan()
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// addSender counts one more producer. It fails once the consumer side has
// ended.
func (q *Queue[T]) addSender() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed != nil {
		return q.closed
	}
	q.senders++
	return nil
}

// doneSender counts one producer less; the last one ends the stream of
// items for the consumer.
func (q *Queue[T]) doneSender() { q.doneSenderErr(nil) }

// doneSenderErr counts one producer less, which ended abnormally when err
// is set: the consumer then sees err in place of io.EOF at the end, and at
// once, as one item, if other producers go on.
func (q *Queue[T]) doneSenderErr(err error) {
	defer q.kickConsumer()
	q.mu.Lock()
	if err != nil && q.closed == nil {
		if q.lost == nil {
			q.lost = err
		}
		if q.senders > 1 {
			q.items = append(q.items, entry[T]{err: err})
		}
	}
	q.senders--
	if q.senders < 0 {
		panic("rch: producer count below zero")
	}
	q.changed()
	q.mu.Unlock()
}

// closeRecv ends the consumer side with reason: producers see reason from
// then on, hooks are told, and the entries still queued are returned so
// that the caller can release what they hold. Only the first reason counts.
func (q *Queue[T]) closeRecv(reason error) []entry[T] {
	q.mu.Lock()
	if q.closed != nil {
		q.mu.Unlock()
		return nil
	}
	q.closed = reason
	if q.gone != nil {
		close(q.gone)
	}
	left := append([]entry[T](nil), q.items[q.head:]...)
	for i := range left {
		left[i].uncharge()
	}
	q.items, q.head, q.bytes = nil, 0, 0
	hooks := q.hooks
	q.hooks = nil
	q.changed()
	q.mu.Unlock()
	for _, h := range hooks {
		h.h.consumerClosed(reason)
	}
	return left
}

// onClose registers h to be told once, with the reason, when the consumer
// side ends; if it has already ended, h is told now. It returns an id for
// offClose, or -1 when h was told now.
func (q *Queue[T]) onClose(h closeHook) (id int) {
	q.mu.Lock()
	if q.closed != nil {
		err := q.closed
		q.mu.Unlock()
		h.consumerClosed(err)
		return -1
	}
	id = q.nextHook
	q.nextHook++
	if q.hooks == nil {
		q.hooks = q.hook1[:0] // the usual single hook needs no allocation
	}
	q.hooks = append(q.hooks, queueHook{id, h})
	q.mu.Unlock()
	return id
}

// offClose unregisters the function onClose returned id for.
func (q *Queue[T]) offClose(id int) {
	if id < 0 {
		return
	}
	q.mu.Lock()
	q.hooks = slices.DeleteFunc(q.hooks, func(h queueHook) bool { return h.id == id })
	q.mu.Unlock()
}

// setRemote records that the consumer now writes to c.
func (q *Queue[T]) setRemote(c *Conn) {
	q.mu.Lock()
	q.remote = c
	q.mu.Unlock()
}

// remoteConn returns the connection the consumer writes to, or nil.
func (q *Queue[T]) remoteConn() *Conn {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.remote
}

// isClosed reports whether the consumer side has ended.
func (q *Queue[T]) isClosed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closed != nil
}

// noteFailed records that an item a local producer queued was not
// delivered: the next Send reports it.
func (q *Queue[T]) noteFailed(err error) {
	q.mu.Lock()
	if q.failed == nil {
		q.failed = err
	}
	q.failures++
	q.mu.Unlock()
}

// takeFailed returns, once, why an item a local producer queued was not
// delivered, or nil.
func (q *Queue[T]) takeFailed() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	err, n := q.failed, q.failures
	q.failed, q.failures = nil, 0
	switch {
	case err == nil:
		return nil
	case n > 1:
		return &undeliveredError{n: n, err: err}
	case !errors.Is(err, ErrNotDelivered):
		return fmt.Errorf("%w: %w", ErrNotDelivered, err)
	}
	return err
}

// undeliveredError reports several items not delivered, and why the first
// was not.
type undeliveredError struct {
	n   int
	err error
}

func (e *undeliveredError) Error() string {
	return fmt.Sprintf("rch: %d items sent earlier were not delivered; the first: %v", e.n, e.err)
}

func (e *undeliveredError) Unwrap() []error { return []error{ErrNotDelivered, e.err} }

// Items reports how many items were not delivered.
func (e *undeliveredError) Items() int { return e.n }

// itemFailed tells the origin of e, or else the local producers, that e
// was not delivered.
func (q *Queue[T]) itemFailed(e *entry[T], err error) {
	if e.from != nil {
		e.from.itemFailed(e.seq, err)
		return
	}
	q.noteFailed(err)
}

// closedChan returns a channel that is closed once the consumer side has
// ended.
func (q *Queue[T]) closedChan() <-chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed != nil {
		return closedChan
	}
	if q.gone == nil {
		q.gone = make(chan struct{})
	}
	return q.gone
}
