package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

// TestBucket: a burst is taken at once, then tokens come back at the rate,
// and never more than the burst is saved.
func TestBucket(t *testing.T) {
	now := time.Unix(1000, 0)
	b := New(10, 3)
	for i := range 3 {
		if !b.Take(now) {
			t.Fatalf("take %d of the burst refused", i+1)
		}
	}
	if b.Take(now) {
		t.Fatal("a fourth take at once allowed")
	}
	if !b.Take(now.Add(100 * time.Millisecond)) {
		t.Fatal("a take a tenth of a second later refused at 10 a second")
	}
	now = now.Add(time.Hour)
	n := 0
	for b.Take(now) {
		n++
	}
	if n != 3 {
		t.Fatalf("after an hour %d tokens were saved, want the burst of 3", n)
	}
}

func Example() {
	b := New(1, 2) // one a second, two at once
	now := time.Now()
	fmt.Println(b.Take(now), b.Take(now), b.Take(now), b.Take(now.Add(time.Second)))
	// Output: true true false true
}
