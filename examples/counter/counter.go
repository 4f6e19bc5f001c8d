package counter

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/telechan/telechan/rch/mpsc"
	"github.com/telechan/telechan/rch/watch"
	"github.com/telechan/telechan/rfn"
)

//go:generate go run github.com/telechan/telechan/cmd/rtcgen -type Counter

// Counter is remoc's counter.
type Counter interface {
	// Value returns the current value.
	Value(ctx context.Context) (int, error)
	// Watch returns a receiver that follows the value.
	Watch(ctx context.Context) (*watch.Receiver[int], error)
	// Increase adds by to the value; it fails with ErrOverflow beyond
	// Limit.
	Increase(ctx context.Context, by int) error
	// CountToValue sends 0, step, 2×step, … up to the current value to
	// to, then closes it. It returns at once; the numbers follow.
	CountToValue(ctx context.Context, step int, to *mpsc.Sender[int]) error
}

// Limit is the largest value a counter holds.
const Limit = 1000

// ErrOverflow is Increase's error beyond Limit. It is registered with
// rfn.RegisterError, so errors.Is matches it on the calling side too.
var ErrOverflow = errors.New("counter: overflow")

func init() { rfn.RegisterError("counter.overflow", ErrOverflow) }

// Local is a Counter in this process. Its methods may be called
// concurrently. CountToValue starts a goroutine per call, which ends when
// the numbers are sent or Close is called; Close waits for them.
type Local struct {
	mu    sync.Mutex
	value int
	tx    *watch.Sender[int]
	rx    *watch.Receiver[int] // kept so that Watch can clone it

	stop   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewLocal returns a counter at zero. Close it when done.
func NewLocal() *Local {
	tx, rx := watch.New(0)
	stop, cancel := context.WithCancel(context.Background())
	return &Local{tx: tx, rx: rx, stop: stop, cancel: cancel}
}

// Value implements Counter.
func (c *Local) Value(ctx context.Context) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.value, nil
}

// Watch implements Counter.
func (c *Local) Watch(ctx context.Context) (*watch.Receiver[int], error) {
	return c.rx.Clone(), nil
}

// Increase implements Counter.
func (c *Local) Increase(ctx context.Context, by int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if by < 0 || c.value+by > Limit {
		return fmt.Errorf("%w: %d + %d is beyond %d", ErrOverflow, c.value, by, Limit)
	}
	c.value += by
	return c.tx.Send(c.value) // never waits
}

// CountToValue implements Counter.
func (c *Local) CountToValue(ctx context.Context, step int, to *mpsc.Sender[int]) error {
	if step <= 0 {
		to.Close()
		return fmt.Errorf("counter: step %d is not positive", step)
	}
	upTo, _ := c.Value(ctx)
	c.wg.Go(func() {
		defer to.Close()
		for i := 0; i <= upTo; i += step {
			if to.Send(c.stop, i) != nil {
				return // the receiver is gone, or we are closing
			}
		}
	})
	return nil
}

// Close ends the counter's watch channel and stops counting.
func (c *Local) Close() error {
	c.cancel()
	c.wg.Wait()
	return errors.Join(c.tx.Close(), c.rx.Close())
}
