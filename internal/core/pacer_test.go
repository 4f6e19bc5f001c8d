package core

import (
	"context"
	"testing"
	"time"
)

// simulate runs a pacer against a model link of the given rate (bytes/s),
// base round trip and bottleneck queue, in virtual time, and returns the
// queueing delay and throughput it settles at.
func simulate(rate float64, base time.Duration, dur time.Duration) (queued time.Duration, share float64) {
	p := newPacer()
	now := time.Unix(0, 0)
	p.epoch = now
	type inflight struct {
		off  uint64
		done time.Time // when its ack arrives
		n    int
	}
	var pipe []inflight
	linkFree := now // when the bottleneck finishes what it holds
	var delivered uint64
	end := now.Add(dur)
	for now.Before(end) {
		// Write while the window allows.
		for {
			p.mu.Lock()
			mss := p.mss
			room := p.sent == p.acked || float64(p.sent-p.acked)+float64(mss) <= p.cwnd
			p.mu.Unlock()
			if !room {
				break
			}
			start := linkFree
			if start.Before(now) {
				start = now
			}
			linkFree = start.Add(time.Duration(float64(mss) / rate * float64(time.Second)))
			off := p.wrote(mss, now)
			pipe = append(pipe, inflight{off, linkFree.Add(base), mss})
			queued = start.Sub(now)
		}
		// Advance to the next ack.
		a := pipe[0]
		pipe = pipe[1:]
		now = a.done
		p.ack(a.off, now)
		delivered += uint64(a.n)
	}
	return queued, float64(delivered) / dur.Seconds() / rate
}

func TestPacerSettles(t *testing.T) {
	for _, c := range []struct {
		name string
		rate float64
		base time.Duration
	}{
		{"10Mbit 50ms", 10e6 / 8, 50 * time.Millisecond},
		{"10Mbit 10ms", 10e6 / 8, 10 * time.Millisecond},
		{"100Mbit 20ms", 100e6 / 8, 20 * time.Millisecond},
	} {
		q, share := simulate(c.rate, c.base, 60*time.Second)
		t.Logf("%s: queueing %v, %.0f%% of the link", c.name, q, 100*share)
		if q > 2*pacerTarget {
			t.Errorf("%s: queueing delay %v, want about %v", c.name, q, pacerTarget)
		}
		if share < 0.9 {
			t.Errorf("%s: %.0f%% of the link, want at least 90%%", c.name, 100*share)
		}
	}
}

func TestPacerWaitEnds(t *testing.T) {
	p := newPacer()
	p.wrote(int(p.cwnd), time.Now())
	done := make(chan struct{})
	close(done)
	if err := p.wait(context.Background(), pacerMSS, done); err != ErrClosed {
		t.Fatalf("wait with the stream ended: %v", err)
	}
	p.ack(p.sent, time.Now())
	if err := p.wait(context.Background(), pacerMSS, nil); err != nil {
		t.Fatalf("wait after an ack: %v", err)
	}
}

// TestPacerAckBeforeWriteReturns: the ack for a frame may arrive before the
// write of that frame returns; the bytes must count as acknowledged.
func TestPacerAckBeforeWriteReturns(t *testing.T) {
	p := newPacer()
	now := time.Now()
	var off uint64
	for float64(p.sent) < p.cwnd {
		off = p.wrote(pacerMSS, now)
	}
	p.ack(off, now.Add(time.Millisecond)) // before the write returned
	p.stamp(off, now.Add(2*time.Millisecond))
	done := make(chan error, 1)
	go func() { done <- p.wait(context.Background(), pacerMSS, nil) }()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
