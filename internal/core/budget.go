package core

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// budget bounds the bytes a connection holds for its peer: what the peer
// sent that the application has not taken yet (items queued, values held
// in broadcast rings and watch slots), and what the application sent that
// the peer has not read yet (items queued for the peer). Each direction
// has half of the limit, so that one can never starve the other: a program
// blocked sending to a peer that reads nothing can still receive, and the
// reverse.
//
// Numbers from the wire never size an allocation: capacities are clamped
// (Config.MaxQueue, MaxRing) and bytes are charged here before they are
// read from the stream. A reader that finds its half full waits, without
// reading, so the peer's further bytes stay in the stream's window (yamux
// flow control) until the application takes something. An empty half
// admits any one item, so a connection always makes progress: the item
// size limit is at most a half.
//
// Lock order: budget.mu is a leaf.
type budget struct {
	half int64 // the limit of each direction

	mu      sync.Mutex
	in, out int64
	wake    chan struct{} // closed on the next release; nil if no one waits

	warned atomic.Bool // the first wait was logged
}

func newBudget(limit int) *budget { return &budget{half: int64(limit) / 2} }

// direction names the two halves of a budget.
type direction bool

const (
	inbound  direction = false // from the peer
	outbound direction = true  // to the peer
)

func (b *budget) used(d direction) *int64 {
	if d == outbound {
		return &b.out
	}
	return &b.in
}

// fits reports whether n more bytes fit direction d. Call with b.mu held.
func (b *budget) fits(d direction, n int) bool {
	u := b.used(d)
	return *u == 0 || *u+int64(n) <= b.half
}

// take charges n bytes to direction d, waiting for room until ctx ends or
// stop is closed. It reports whether the wait was needed, so that the
// caller can say so once.
func (b *budget) take(ctx context.Context, stop <-chan struct{}, d direction, n int) (waited bool, err error) {
	if b == nil || n <= 0 {
		return false, nil
	}
	b.mu.Lock()
	for !b.fits(d, n) {
		waited = true
		if b.wake == nil {
			b.wake = make(chan struct{})
		}
		wake := b.wake
		b.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return waited, ctx.Err()
		case <-stop:
			return waited, errStopped
		}
		b.mu.Lock()
	}
	*b.used(d) += int64(n)
	b.mu.Unlock()
	return waited, nil
}

// tryTake charges n bytes to direction d if they fit now.
func (b *budget) tryTake(d direction, n int) bool {
	if b == nil || n <= 0 {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.fits(d, n) {
		return false
	}
	*b.used(d) += int64(n)
	return true
}

// force charges n bytes to direction d whether they fit or not: for a
// value that replaces another whose charge was just given back.
func (b *budget) force(d direction, n int) {
	if b == nil || n <= 0 {
		return
	}
	b.mu.Lock()
	*b.used(d) += int64(n)
	b.mu.Unlock()
}

// give returns n bytes to direction d and wakes the waiters.
func (b *budget) give(d direction, n int) {
	if b == nil || n <= 0 {
		return
	}
	b.mu.Lock()
	u := b.used(d)
	if *u -= int64(n); *u < 0 {
		panic("rch: memory budget below zero")
	}
	wake := b.wake
	b.wake = nil
	b.mu.Unlock()
	if wake != nil {
		close(wake)
	}
}

// usage returns the bytes charged to each direction.
func (b *budget) usage() (in, out int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.in, b.out
}

// errStopped reports a budget wait cut short by its stop channel.
var errStopped = errors.New("rch: wait for memory stopped")
