package bench

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// arg is the ~100-byte argument of every small call.
var arg = strings.Repeat("x", 100)

// caller is a peer set up for small calls: call makes one call with arg
// (safe for concurrent use); close tears the peer down and waits.
type caller struct {
	call  func(ctx context.Context) error
	close func()
}

// measureRate calls c from conc goroutines at once for cfg.Warmup, then
// counts the calls completed during cfg.Window: calls per second.
func measureRate(ctx context.Context, cfg Config, c caller, conc int) (float64, error) {
	rate, _, err := measureRateAllocs(ctx, cfg, c, conc)
	return rate, err
}

// measureRateAllocs is measureRate that also returns the allocations per
// call during the window, of the whole process: both ends of the call.
func measureRateAllocs(ctx context.Context, cfg Config, c caller, conc int) (rate, allocs float64, err error) {
	var m0, m1 uint64
	var n0, n1 int64
	mallocs := func() uint64 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.Mallocs
	}
	rate, err = measureRateHooked(ctx, cfg, c, conc,
		func(done int64) { m0, n0 = mallocs(), done },
		func(done int64) { m1, n1 = mallocs(), done })
	if err != nil {
		return 0, 0, err
	}
	return rate, float64(m1-m0) / float64(max(n1-n0, 1)), nil
}

// measureRateHooked is measureRate that calls start as the window opens
// and end as it closes, each with the count of calls completed so far.
func measureRateHooked(ctx context.Context, cfg Config, c caller, conc int, start, end func(done int64)) (rate float64, err error) {
	defer c.close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		done    atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		callErr error
	)
	for range conc {
		wg.Go(func() {
			for ctx.Err() == nil {
				if err := c.call(ctx); err != nil {
					if ctx.Err() == nil {
						errOnce.Do(func() { callErr = err })
						cancel()
					}
					return
				}
				done.Add(1)
			}
		})
	}
	err = sleep(ctx, cfg.Warmup)
	n0, t0 := done.Load(), time.Now()
	start(n0)
	if err == nil {
		err = sleep(ctx, cfg.Window)
	}
	n := done.Load()
	end(n)
	rate = float64(n-n0) / time.Since(t0).Seconds()
	cancel()
	wg.Wait()
	if callErr != nil {
		return 0, callErr
	}
	if err != nil && ctx.Err() != context.Canceled {
		return 0, err
	}
	return rate, nil
}
