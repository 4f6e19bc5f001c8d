package core

import "context"

// Consume hands the items of r to f as they arrive, on a goroutine of
// pool that runs only while items wait, instead of a goroutine blocked in
// Recv for the receiver's whole life: f(v, nil, false) for an item,
// f(zero, err, false) for an item that could not be received (ErrDecode,
// ErrTooLarge: the channel goes on), and once, last, f(zero, err, true)
// when the channel has ended, err being what Recv would then return (or
// ErrClosed if pool refuses work: that last call then runs on the
// goroutine that found it so). f runs one call at a time; it may block
// (items wait meanwhile). From then on r is the consumer's: do not call
// Recv.
func (r *Rx[T]) Consume(pool *Workers, f func(v T, err error, end bool)) error {
	q, err := r.live()
	if err != nil {
		return err
	}
	k := &consumer[T]{r: r, q: q, f: f}
	k.pool, k.t = pool, k
	q.setConsumer(&k.worker)
	q.onClose(k)
	k.kick() // items may be waiting already
	return nil
}

// consumer is Consume's task.
type consumer[T any] struct {
	worker
	r *Rx[T]
	q *Queue[T]
	f func(T, error, bool)
}

func (k *consumer[T]) ready() bool { return k.q.poppable() }

func (k *consumer[T]) step() bool {
	var zero T
	e, ok, err := k.q.tryPop()
	switch {
	case err != nil:
		k.q.setConsumer(nil)
		k.f(zero, err, true)
		return true
	case !ok:
		return false
	}
	v, err := k.r.unpack(context.Background(), e)
	k.f(v, err, false)
	return false
}

func (k *consumer[T]) abort() {
	var zero T
	k.q.setConsumer(nil)
	k.f(zero, ErrClosed, true)
}

// consumerClosed wakes the consumer when the receiver is closed, so that
// it tells f of the end.
func (k *consumer[T]) consumerClosed(error) { k.kick() }
