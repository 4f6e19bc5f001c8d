package ratelimit

import "time"

// Bucket is a token bucket: Rate tokens a second, at most Burst saved, full
// at the start. It is not safe for concurrent use: its owner guards it.
type Bucket struct {
	rate, burst, tokens float64
	last                time.Time
}

// New returns a full bucket of burst tokens refilled at rate a second.
func New(rate float64, burst int) Bucket {
	return Bucket{rate: rate, burst: float64(burst), tokens: float64(burst)}
}

// Take takes a token at now, reporting false if none is left.
func (b *Bucket) Take(now time.Time) bool {
	if !b.last.IsZero() {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
