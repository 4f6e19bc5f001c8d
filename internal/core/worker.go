package core

import "sync/atomic"

// A worker runs a channel bridge's work on a goroutine the Conn owns only
// while there is work: an idle channel keeps no goroutine. Whoever makes
// work (the stream, through mux.Stream.Notify, or a queue, when an item is
// pushed) calls kick; kick starts the goroutine if none runs, or tells the
// running one to look again before it leaves.
//
// A worker is embedded, with its task, in the bridge it runs, so that an
// idle channel costs one allocation per bridge and nothing more.
type worker struct {
	c *Conn
	// pool, if set, runs the goroutine instead of c's Workers (a local
	// consumer, Rx.Consume, which belongs to no connection).
	pool  *Workers
	t     task
	state atomic.Int32
}

// task is the work of a worker. The goroutine calls step while ready
// holds. step does one unit of work (it may block doing it: reading the
// rest of a frame, waiting for room) and reports true when the bridge is
// over for good; no goroutine starts after that. If the Conn refuses a
// goroutine because it is shutting down, abort is called instead, on the
// kicking goroutine, and the worker is over as well.
type task interface {
	ready() bool
	step() bool
	abort()
}

const (
	workerIdle    = iota // no goroutine
	workerRunning        // a goroutine runs
	workerAgain          // a goroutine runs and must look again before leaving
	workerOver           // finished or aborted
)

// kick makes sure a goroutine will call step while ready holds. It never
// blocks and may be called from any goroutine, any number of times.
func (w *worker) kick() {
	for {
		switch s := w.state.Load(); s {
		case workerIdle:
			if !w.state.CompareAndSwap(s, workerRunning) {
				continue
			}
			pool := w.pool
			if pool == nil {
				pool = &w.c.workers
			}
			if !pool.goRunner(w) { // not w.run: a method value allocates
				w.state.Store(workerOver)
				w.t.abort()
			}
			return
		case workerRunning:
			if w.state.CompareAndSwap(s, workerAgain) {
				return
			}
		default:
			return
		}
	}
}

func (w *worker) run() {
	for {
		for w.t.ready() {
			if w.t.step() {
				w.state.Store(workerOver)
				return
			}
		}
		if w.state.CompareAndSwap(workerRunning, workerIdle) {
			return
		}
		// A kick came while we worked: look again.
		w.state.Store(workerRunning)
	}
}

// kickers are the workers a shared channel state (a watch slot, a
// broadcast ring) wakes on every change. Guard it with the owner's mutex;
// kick the snapshot after unlocking.
type kickers []*worker

func (k *kickers) add(w *worker) { *k = append(*k, w) }

func (k *kickers) remove(w *worker) {
	for i, x := range *k {
		if x == w {
			(*k)[i] = (*k)[len(*k)-1]
			(*k)[len(*k)-1] = nil
			*k = (*k)[:len(*k)-1]
			return
		}
	}
}

// snapshot returns the workers to kick, or nil.
func (k kickers) snapshot() []*worker {
	if len(k) == 0 {
		return nil
	}
	return append([]*worker(nil), k...)
}

// kickAll kicks each of ws.
func kickAll(ws []*worker) {
	for _, w := range ws {
		w.kick()
	}
}
