package linkemu

import (
	"bytes"
	"os"
	"sync"
	"time"
)

// Design note: one direction of a link.
//
// A link carries bytes from one writer to one reader through two stages:
//
//	Write ──> queue (the bottleneck, ≤ Buffer bytes)
//	      ──> pump: one slice at a time, paced at Bandwidth
//	      ──> flight (stamped with their arrival time, Delay after leaving)
//	      ──> Read, once the arrival time has passed
//
// The link owns one goroutine, pump. It takes a slice off the head of the
// queue (at most slice() bytes), works out when the slice has passed the
// bottleneck, sleeps until then (unless that is under pumpSlack away), and
// moves the slice to flight. Until then the slice's bytes still fill the
// queue, so writers feel the backpressure of the bytes being sent. The pump paces against its own schedule (busy),
// not against the clock, so a timer that fires late delays one slice but
// does not slow the link down.
//
// flight holds the bytes in flight and those arrived but not read; together
// they may not exceed window() bytes. When a reader stops reading, the pump
// stops at that bound (a closed TCP window), the queue fills, and Write
// blocks. A reader waits on a timer for the head of flight to arrive; the
// bytes behind it arrive later, so it need not hear of each departure.
//
// Locking: mu guards everything below it. It is never held while sleeping or
// across I/O. The three events are fired under mu and waited on outside it.
type link struct {
	p      Profile
	slice  int
	window int
	buffer int
	done   chan struct{} // closed by shutdown; stops the pump
	wg     sync.WaitGroup
	wsem   chan struct{} // held by the one write running
	rsem   chan struct{} // held by the one read running
	rtimer *time.Timer   // the reader's wait for an arrival; rsem guards it

	mu       sync.Mutex
	queue    []chunk // bottleneck; chunk.t is when it was written
	queued   int     // bytes in queue
	flight   []chunk // past the bottleneck; chunk.t is when it arrives
	inflight int     // bytes in flight, arrived or not
	werr     error   // set by shutdown: what Write returns
	rerr     error   // set by shutdown: what Read returns once flight is empty
	space    event   // queue has room, or shutdown
	data     event   // queue has bytes or window has room, or shutdown
	arrive   event   // flight is no longer empty, or shutdown
}

type chunk struct {
	b []byte
	t time.Time
}

// event is a broadcast signal, guarded by the link's mu: wait returns a
// channel that fire closes.
type event struct{ ch chan struct{} }

func (e *event) wait() <-chan struct{} {
	if e.ch == nil {
		e.ch = make(chan struct{})
	}
	return e.ch
}

func (e *event) fire() {
	if e.ch != nil {
		close(e.ch)
		e.ch = nil
	}
}

// newLink starts a link shaped by p. Call shutdown to stop it.
func newLink(p Profile) *link {
	l := &link{
		p:      p,
		slice:  p.slice(),
		window: p.window(),
		buffer: p.buffer(),
		done:   make(chan struct{}),
		wsem:   make(chan struct{}, 1),
		rsem:   make(chan struct{}, 1),
		rtimer: time.NewTimer(time.Hour),
	}
	l.rtimer.Stop()
	l.wg.Add(1)
	go l.pump()
	return l
}

// write queues all of p, blocking while the queue is full, and returns when
// the last byte is queued, or with an error when the link shuts down or dl
// passes. Writes run one at a time, so they do not interleave.
func (l *link) write(p []byte, dl *deadline) (int, error) {
	if err := l.acquire(l.wsem, dl); err != nil {
		return 0, err
	}
	defer func() { <-l.wsem }()
	n := 0
	for {
		if dl.expired() {
			return n, os.ErrDeadlineExceeded
		}
		l.mu.Lock()
		if l.werr != nil {
			err := l.werr
			l.mu.Unlock()
			return n, err
		}
		n += l.enqueue(p[n:])
		if n == len(p) {
			l.mu.Unlock()
			return n, nil
		}
		space := l.space.wait()
		l.mu.Unlock()
		select {
		case <-space:
		case <-dl.wait():
		}
	}
}

// enqueue copies as much of p as fits into the queue. l.mu is held.
func (l *link) enqueue(p []byte) int {
	k := min(len(p), l.buffer-l.queued)
	if k <= 0 {
		return 0
	}
	l.queue = append(l.queue, chunk{b: bytes.Clone(p[:k]), t: time.Now()})
	l.queued += k
	l.data.fire()
	return k
}

// read copies arrived bytes into p, blocking until some have arrived, the
// link shuts down or dl passes. Reads run one at a time.
func (l *link) read(p []byte, dl *deadline) (int, error) {
	if err := l.acquire(l.rsem, dl); err != nil {
		return 0, err
	}
	defer func() { <-l.rsem }()
	timer := l.rtimer
	for {
		if dl.expired() {
			return 0, os.ErrDeadlineExceeded
		}
		l.mu.Lock()
		now := time.Now()
		if n := l.take(p, now); n > 0 || len(p) == 0 {
			l.mu.Unlock()
			return n, nil
		}
		if len(l.flight) == 0 && l.rerr != nil {
			err := l.rerr
			l.mu.Unlock()
			return 0, err
		}
		// Wait for the head of flight to arrive or, if flight is empty,
		// for a slice to enter it.
		var due <-chan time.Time
		var arrive <-chan struct{}
		if len(l.flight) > 0 {
			timer.Reset(l.flight[0].t.Sub(now))
			due = timer.C
		} else {
			arrive = l.arrive.wait()
		}
		l.mu.Unlock()
		select {
		case <-arrive:
		case <-due:
		case <-l.done:
		case <-dl.wait():
		}
		timer.Stop()
	}
}

// acquire takes sem, giving up when dl passes. Whoever holds sem returns
// promptly once the link shuts down, so shutdown needs no case here.
func (l *link) acquire(sem chan struct{}, dl *deadline) error {
	select {
	case sem <- struct{}{}:
		return nil
	case <-dl.wait():
		return os.ErrDeadlineExceeded
	}
}

// take copies the bytes of flight that have arrived by now into p and
// returns how many. l.mu is held.
func (l *link) take(p []byte, now time.Time) int {
	n := 0
	for n < len(p) && len(l.flight) > 0 && !l.flight[0].t.After(now) {
		c := &l.flight[0]
		k := copy(p[n:], c.b)
		n += k
		if c.b = c.b[k:]; len(c.b) == 0 {
			l.flight[0] = chunk{}
			l.flight = l.flight[1:]
		}
	}
	if n > 0 {
		l.inflight -= n
		l.data.fire()
	}
	return n
}

// pump moves the queue to flight at the link's pace until shutdown.
func (l *link) pump() {
	defer l.wg.Done()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var busy time.Time // when the bottleneck finishes what it has taken
	for {
		n, left, ok := l.next(&busy)
		if !ok {
			return
		}
		if d := time.Until(left); d > pumpSlack {
			timer.Reset(d)
			select {
			case <-timer.C:
			case <-l.done:
				timer.Stop()
				return
			}
		}
		if !l.depart(n, left.Add(l.p.Delay)) {
			return
		}
	}
}

// next waits for bytes in the queue and room in the window, then picks the
// next slice: its length and when its last byte leaves the bottleneck.
// busy is the pump's schedule, advanced by the slice. ok is false after
// shutdown.
func (l *link) next(busy *time.Time) (n int, left time.Time, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	stalled := false
	for l.werr == nil && (l.queued == 0 || l.inflight >= l.window) {
		stalled = stalled || l.queued > 0
		data := l.data.wait()
		l.mu.Unlock()
		<-data
		l.mu.Lock()
	}
	if l.werr != nil {
		return 0, time.Time{}, false
	}
	if stalled {
		// The receiver's window was closed with bytes waiting: the
		// bottleneck idled until now and sends from now on.
		*busy = later(*busy, time.Now())
	}
	n = min(l.queued, l.slice, l.window-l.inflight)
	if l.p.Bandwidth == 0 {
		return n, time.Now(), true
	}
	return n, l.schedule(n, busy), true
}

// schedule advances busy over the first n bytes of the queue, each chunk
// starting no sooner than it was written, and returns the end. l.mu is held.
func (l *link) schedule(n int, busy *time.Time) time.Time {
	for _, c := range l.queue {
		k := min(n, len(c.b))
		*busy = later(*busy, c.t).Add(l.p.txTime(k))
		if n -= k; n == 0 {
			break
		}
	}
	return *busy
}

// depart moves n bytes from the head of the queue to flight, arriving at
// the given time. It returns false after shutdown.
func (l *link) depart(n int, arrival time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.werr != nil {
		return false
	}
	l.queued -= n
	l.inflight += n
	for n > 0 {
		c := &l.queue[0]
		k := min(n, len(c.b))
		l.flight = append(l.flight, chunk{b: c.b[:k:k], t: arrival})
		n -= k
		if c.b = c.b[k:]; len(c.b) == 0 {
			l.queue[0] = chunk{}
			l.queue = l.queue[1:]
		}
	}
	l.space.fire()
	l.arrive.fire() // only the reader of an empty flight waits on it
	return true
}

// shutdown stops the link and waits for its pump. Bytes still queued or in
// flight are dropped, bytes that have arrived stay readable. Later writes
// return werr, and reads return rerr once the arrived bytes are read. Only
// the first call sets the errors.
func (l *link) shutdown(werr, rerr error) {
	l.mu.Lock()
	if l.werr == nil {
		l.werr, l.rerr = werr, rerr
		l.dropUnarrived(time.Now())
		close(l.done)
		l.space.fire()
		l.data.fire()
		l.arrive.fire()
	}
	l.mu.Unlock()
	l.wg.Wait()
}

// dropUnarrived empties the queue and drops the bytes of flight that have
// not arrived by now. l.mu is held.
func (l *link) dropUnarrived(now time.Time) {
	l.queue, l.queued = nil, 0
	i := 0
	for i < len(l.flight) && !l.flight[i].t.After(now) {
		i++
	}
	for _, c := range l.flight[i:] {
		l.inflight -= len(c.b)
	}
	l.flight = l.flight[:i]
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
