package core

import (
	"context"
	"sync"
	"time"
)

// A pacer keeps a bulk stream (bin) from filling the buffers of a slow
// link, so that small messages on other streams of the same connection are
// not queued behind it. It limits the bytes in flight — written but not yet
// acknowledged by the receiving side — to a window that adapts to the
// queueing delay it measures, as LEDBAT (RFC 6817) does: the window grows
// while round trips stay within pacerTarget of the lowest round trip seen,
// and shrinks when they rise above it. Under it, yamux's own window still
// bounds what the receiver must buffer.
//
// The receiving side acknowledges every Item frame it reads (an Ack frame
// with the total payload bytes received), before it buffers the bytes, so
// a slow reader does not read as a slow link.

const (
	// pacerTarget is the queueing delay the pacer aims for.
	pacerTarget = 5 * time.Millisecond
	// pacerFrameTime is about how long the link takes to carry one frame
	// of a paced stream: a small message on another stream waits behind
	// at most one such frame at the bottleneck. Frames are sized from the
	// rate the window implies, within pacerMinMSS and pacerMaxMSS bytes of
	// payload.
	pacerFrameTime = 2 * time.Millisecond
	pacerMinMSS    = 2 << 10
	pacerMaxMSS    = 64 << 10
	// pacerMSS is the frame size of a stream before its first round trip:
	// small, so that the first round trips, which set the base, carry
	// little serialisation time of their own.
	pacerMSS = pacerMinMSS
	// pacerMin and pacerMax bound the window.
	pacerMin = 2 * pacerMinMSS
	pacerMax = 8 << 20
	// pacerInit is the window a stream starts with.
	pacerInit = 64 << 10
	// pacerEpoch is how long a lowest round trip is remembered: the base
	// is the lowest of this epoch and the previous one, so that a route
	// that got slower is learnt within two epochs. Each epoch begins with
	// a slowdown (as in LEDBAT++): the window drops to pacerMin for
	// pacerSlowdownRTTs round trips, so that the queue the stream itself
	// keeps drains and the new epoch's base is the path's, not the path's
	// plus that queue.
	pacerEpoch        = 10 * time.Second
	pacerSlowdownRTTs = 2
)

type pacerSample struct {
	off uint64 // total bytes sent once this write was done
	at  time.Time
}

type pacer struct {
	mu       sync.Mutex
	sent     uint64
	acked    uint64
	cwnd     float64
	samples  []pacerSample
	baseCur  time.Duration
	basePrev time.Duration
	epoch    time.Time
	lastRTT  time.Duration
	mss      int // the frame size, and the window's step per round trip
	// slowUntil is the end of a slowdown under way, and saved the window
	// to return to.
	slowUntil time.Time
	saved     float64
	wake      chan struct{}
}

func newPacer() *pacer {
	return &pacer{cwnd: pacerInit, mss: pacerMSS, wake: make(chan struct{}), epoch: time.Now()}
}

// frameSize returns how many bytes the next frame may carry.
func (p *pacer) frameSize() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mss
}

// wait blocks until n more bytes may be written, or done is closed, or ctx
// ends. A stream with nothing in flight may always write.
func (p *pacer) wait(ctx context.Context, n int, done <-chan struct{}) error {
	p.mu.Lock()
	for {
		inflight := p.sent - p.acked
		if inflight == 0 || float64(inflight)+float64(n) <= p.cwnd {
			p.mu.Unlock()
			return nil
		}
		wake := p.wake
		p.mu.Unlock()
		select {
		case <-wake:
		case <-done:
			return ErrClosed
		case <-ctx.Done():
			return ctx.Err()
		}
		p.mu.Lock()
	}
}

// wrote records n bytes about to be written at now, and returns the
// total they bring the stream to.
func (p *pacer) wrote(n int, now time.Time) uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent += uint64(n)
	p.samples = append(p.samples, pacerSample{off: p.sent, at: now})
	return p.sent
}

// stamp moves the time of the sample for off to now, when the write that
// brought the stream to off has returned: the round trip is measured from
// when the bytes left, not from when they started to wait for the session.
// A sample already acknowledged is left alone.
func (p *pacer) stamp(off uint64, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := len(p.samples) - 1; i >= 0; i-- {
		if p.samples[i].off == off {
			p.samples[i].at = now
			return
		}
		if p.samples[i].off < off {
			return
		}
	}
}

// ack records that the receiving side has received total bytes, at now,
// and adapts the window to the round trip this measures.
func (p *pacer) ack(total uint64, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if total <= p.acked || total > p.sent {
		return
	}
	newly := total - p.acked
	p.acked = total
	var at time.Time
	i := 0
	for ; i < len(p.samples) && p.samples[i].off <= total; i++ {
		at = p.samples[i].at
	}
	p.samples = append(p.samples[:0], p.samples[i:]...)
	if !at.IsZero() {
		p.adapt(now.Sub(at), newly, now)
	}
	close(p.wake)
	p.wake = make(chan struct{})
}

// adapt applies one round-trip sample. Call with p.mu held.
func (p *pacer) adapt(rtt time.Duration, newly uint64, now time.Time) {
	p.lastRTT = rtt
	if p.baseCur == 0 || rtt < p.baseCur {
		p.baseCur = rtt
	}
	if !p.slowUntil.IsZero() {
		if now.Before(p.slowUntil) {
			return // slowing down: only the base is learnt
		}
		p.slowUntil, p.cwnd = time.Time{}, p.saved
	}
	if now.Sub(p.epoch) > pacerEpoch {
		p.basePrev, p.baseCur, p.epoch = p.baseCur, rtt, now
		p.slowUntil = now.Add(pacerSlowdownRTTs * rtt)
		p.saved, p.cwnd = p.cwnd, pacerMin
		return
	}
	base := p.baseCur
	if p.basePrev != 0 && p.basePrev < base {
		base = p.basePrev
	}
	queued := rtt - base
	off := float64(pacerTarget-queued) / float64(pacerTarget)
	off = max(off, -1)
	p.cwnd += off * float64(newly) * float64(p.mss) / p.cwnd
	p.cwnd = min(max(p.cwnd, pacerMin), pacerMax)
	// The window over the base round trip is the rate the link gives us.
	rate := p.cwnd / max(base, time.Microsecond).Seconds()
	p.mss = min(max(int(rate*pacerFrameTime.Seconds()), pacerMinMSS), pacerMaxMSS)
}
