package core

import (
	"sync"
	"time"
)

// Workers runs functions on goroutines it owns. A goroutine whose work is
// done waits a little for the next before it ends: on a busy connection
// (a call and its reply every few microseconds) goroutines are reused,
// stacks already grown, instead of started and grown for every message;
// on an idle one they are all gone after linger. A Conn runs its workers
// on one; rfn's servers run their calls on one. The zero Workers is ready
// to use.
type Workers struct {
	mu      sync.Mutex
	stopped bool
	parked  []chan job // goroutines waiting for work
	wg      sync.WaitGroup
}

// job is one piece of work: a function, or a runner (which a worker
// hands over without the allocation a method value would cost). The zero
// job tells a waiting goroutine to end.
type job struct {
	f func()
	r runner
}

// runner is what goRunner runs.
type runner interface{ run() }

func (j job) do() {
	if j.r != nil {
		j.r.run()
		return
	}
	j.f()
}

func (j job) none() bool { return j.f == nil && j.r == nil }

const (
	// linger is how long a goroutine with nothing to do waits for work.
	linger = 50 * time.Millisecond
	// maxParked is how many goroutines may wait for work at once.
	maxParked = 8
)

// Go runs f on a waiting goroutine if there is one, else on a new one. It
// reports false, without running f, once Stop was called. It never
// blocks.
func (w *Workers) Go(f func()) bool { return w.start(job{f: f}) }

// goRunner is Go for r.run.
func (w *Workers) goRunner(r runner) bool { return w.start(job{r: r}) }

func (w *Workers) start(j job) bool {
	w.mu.Lock()
	if w.stopped {
		w.mu.Unlock()
		return false
	}
	if n := len(w.parked); n > 0 {
		next := w.parked[n-1]
		w.parked[n-1] = nil
		w.parked = w.parked[:n-1]
		w.mu.Unlock()
		next <- j // buffered, and only the one who takes it off the list sends
		return true
	}
	w.wg.Add(1)
	w.mu.Unlock()
	go w.work(j)
	return true
}

// Stop makes Go refuse new work and the waiting goroutines end; the
// functions already running go on. It is idempotent.
func (w *Workers) Stop() {
	w.mu.Lock()
	w.stopped = true
	parked := w.parked
	w.parked = nil
	w.mu.Unlock()
	for _, next := range parked {
		next <- job{}
	}
}

// Wait returns once every goroutine of w has ended: call Stop first.
func (w *Workers) Wait() { w.wg.Wait() }

// work runs j, then whatever Go hands it, until it has waited linger for
// nothing or w stops.
func (w *Workers) work(j job) {
	defer w.wg.Done()
	next := make(chan job, 1)
	var timer *time.Timer
	for !j.none() {
		j.do()
		w.mu.Lock()
		if w.stopped || len(w.parked) >= maxParked {
			w.mu.Unlock()
			return
		}
		w.parked = append(w.parked, next)
		w.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(linger)
		} else {
			timer.Reset(linger)
		}
		select {
		case j = <-next:
			timer.Stop()
			continue
		case <-timer.C:
		}
		if w.unpark(next) {
			return
		}
		// Go or Stop took us off the list: a job (or the zero one) is on
		// the way.
		j = <-next
	}
}

// unpark takes next off the list of waiting goroutines, reporting false if
// Go or Stop already did.
func (w *Workers) unpark(next chan job) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, ch := range w.parked {
		if ch == next {
			last := len(w.parked) - 1
			w.parked[i] = w.parked[last]
			w.parked[last] = nil
			w.parked = w.parked[:last]
			return true
		}
	}
	return false
}

// goroutine runs f on one of c's workers, which Close waits for. It
// reports false, without running f, once the connection is shutting down.
func (c *Conn) goroutine(f func()) bool {
	return c.workers.Go(f)
}
