package core

import "sync"

// half is what every channel half keeps besides its wire identity: the
// shared object it works on (a queue, a slot, a ring) and whether it was
// closed or sent away. Its mutex also guards the kind's own fields.
type half[S comparable] struct {
	mu     sync.Mutex
	obj    S
	closed bool
	moved  bool
}

// live returns the shared object, or why the half cannot be used.
func (h *half[S]) live() (S, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var zero S
	switch {
	case h.moved:
		return zero, ErrMoved
	case h.closed:
		return zero, ErrClosed
	case h.obj == zero:
		return zero, errZero
	}
	return h.obj, nil
}

// close marks the half closed. It reports false, and does nothing, when
// the half was already closed, sent away or never initialised.
func (h *half[S]) close() (S, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var zero S
	if h.closed || h.moved || h.obj == zero {
		return zero, false
	}
	h.closed = true
	return h.obj, true
}

// move marks the half as sent away and returns its object and whether it
// had been closed before.
func (h *half[S]) move() (S, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.moved = true
	return h.obj, h.closed
}

// isClosed reports whether the half was closed here: a wait on its
// channel's shared state ends then.
func (h *half[S]) isClosed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closed
}
