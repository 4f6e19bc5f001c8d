package donehook

import "sync"

// A Done is a channel closed once, with the functions to call then.
type Done struct {
	ch    chan struct{}
	mu    sync.Mutex
	after []func()
	done  bool
}

// hooks maps each open Done's channel to it, for After.
var hooks sync.Map // <-chan struct{} → *Done

// New returns an open Done.
func New() *Done {
	d := &Done{ch: make(chan struct{})}
	hooks.Store((<-chan struct{})(d.ch), d)
	return d
}

// C returns the channel Close closes.
func (d *Done) C() <-chan struct{} { return d.ch }

// Close closes the channel, then calls the functions After registered, in
// order. It is idempotent.
func (d *Done) Close() {
	d.mu.Lock()
	if d.done {
		d.mu.Unlock()
		return
	}
	d.done = true
	close(d.ch) // under mu: whoever sees done sees the channel closed
	after := d.after
	d.after = nil
	d.mu.Unlock()
	hooks.Delete((<-chan struct{})(d.ch))
	for _, f := range after {
		f()
	}
}

// After arranges for f to be called once ch is closed, if ch is the
// channel of a Done: at once if it is closed already. It reports false,
// calling nothing, for any other channel (the caller must wait on it
// itself). f must not block.
func After(ch <-chan struct{}, f func()) bool {
	v, ok := hooks.Load(ch)
	if !ok {
		select {
		case <-ch:
			// Perhaps a Done closed just now: its channel says so either way.
			f()
			return true
		default:
			return false
		}
	}
	d := v.(*Done)
	d.mu.Lock()
	if d.done {
		d.mu.Unlock()
		f()
		return true
	}
	d.after = append(d.after, f)
	d.mu.Unlock()
	return true
}
