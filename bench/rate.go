package bench

import (
	"context"
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
	err := sleep(ctx, cfg.Warmup)
	n0, t0 := done.Load(), time.Now()
	if err == nil {
		err = sleep(ctx, cfg.Window)
	}
	rate := float64(done.Load()-n0) / time.Since(t0).Seconds()
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
