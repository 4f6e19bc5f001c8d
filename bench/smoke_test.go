package bench

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"
)

// TestSmoke runs every step once at the Tiny size and checks that each
// produced its figures with plausible values. It asserts no timings: the
// figures of so short a run mean nothing.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every measurement once (about 15 s)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var log strings.Builder
	rs, err := Run(ctx, Tiny(), nil, func(Result) {}, &log)
	t.Log("\n" + log.String())
	if err != nil {
		t.Fatal(err)
	}
	fig := byName(rs)
	for _, tg := range targets {
		for _, name := range []string{tg.figure, tg.against} {
			if _, ok := fig[name]; name != "" && !ok {
				t.Errorf("figure %s missing", name)
			}
		}
	}
	for _, r := range rs {
		if math.IsNaN(r.Value) || math.IsInf(r.Value, 0) || r.Unit == "" {
			t.Errorf("%s = %v %q", r.Name, r.Value, r.Unit)
		}
		// Bulk may not have arrived yet in so short a window on 4g, 1024
		// callers may not have finished a call in it, and memory deltas
		// may be negative after a GC; the rest must be > 0.
		slowStart := strings.Contains(r.Name, ".c1024.")
		if positive := r.Unit == unitMs || r.Unit == unitRate && !slowStart || r.Unit == unitNs; positive && r.Value <= 0 {
			t.Errorf("%s = %v %s, want > 0", r.Name, r.Value, r.Unit)
		}
	}
	md, svg := Markdown("tiny", Tiny(), rs, time.Now()), Chart(rs)
	if !strings.Contains(md, "| `hol.4g.p99.ms` |") || strings.Count(svg, "<circle") != 12 {
		t.Errorf("report incomplete:\n%s\n%s", md, svg)
	}
}
