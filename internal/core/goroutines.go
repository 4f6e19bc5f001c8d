package core

import "time"

// A Conn runs its workers on goroutines it owns. A goroutine whose work is
// done waits a little for the next before it ends: on a busy connection
// (a call and its reply every few microseconds) goroutines are reused,
// stacks already grown, instead of started and grown for every message;
// on an idle one they are all gone after linger.
const (
	// linger is how long a goroutine with nothing to do waits for work.
	linger = 50 * time.Millisecond
	// maxParked is how many goroutines may wait for work at once.
	maxParked = 8
)

// goroutine runs f on a goroutine that Close waits for: a waiting one if
// there is, else a new one. It reports false, without running f, once the
// connection is shutting down. It never blocks.
func (c *Conn) goroutine(f func()) bool {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return false
	}
	if n := len(c.parked); n > 0 {
		next := c.parked[n-1]
		c.parked[n-1] = nil
		c.parked = c.parked[:n-1]
		c.mu.Unlock()
		next <- f // buffered, and only this goroutine sends on it
		return true
	}
	c.wg.Add(1)
	c.mu.Unlock()
	go c.work(f)
	return true
}

// work runs f, then whatever goroutine hands it, until it has waited
// linger for nothing or the connection shuts down.
func (c *Conn) work(f func()) {
	defer c.wg.Done()
	next := make(chan func(), 1)
	var timer *time.Timer
	for {
		f()
		c.mu.Lock()
		if c.closing || len(c.parked) >= maxParked {
			c.mu.Unlock()
			return
		}
		c.parked = append(c.parked, next)
		c.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(linger)
		} else {
			timer.Reset(linger)
		}
		select {
		case f = <-next:
			continue
		case <-timer.C:
		case <-c.ctx.Done():
		}
		if c.unpark(next) {
			timer.Stop()
			return
		}
		// goroutine took us off the list: its f is on the way.
		f = <-next
	}
}

// unpark takes next off the list of waiting goroutines, reporting false if
// goroutine already did.
func (c *Conn) unpark(next chan func()) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, ch := range c.parked {
		if ch == next {
			last := len(c.parked) - 1
			c.parked[i] = c.parked[last]
			c.parked[last] = nil
			c.parked = c.parked[:last]
			return true
		}
	}
	return false
}
