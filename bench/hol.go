package bench

import (
	"context"
	"errors"
	"math"
	"slices"
	"time"
)

// holSetup is a peer set up for the head-of-line figures: bulk saturates
// the connection client→server, and ping makes one small control round
// trip on another stream (or channel, or call) of the same connection.
// bulk.close tears everything down.
type holSetup struct {
	bulk pipe
	ping func(ctx context.Context) error
}

// holResult holds the figures of one head-of-line run.
type holResult struct {
	p50, p99 float64 // control round trip under load, ms
	loaded   float64 // bulk rate while the pings ran, Mbit/s
	unloaded float64 // bulk rate alone, just before, Mbit/s
	pings    int
}

// minPings is the fewest round trips a loaded window takes, however long
// each is (gRPC's on 4g take seconds).
const minPings = 3

// pingLimit bounds one round trip, so that a stuck peer fails the run
// rather than hanging it.
const pingLimit = 30 * time.Second

// measureHOL runs s's bulk transfer for hc.Warmup, measures it alone for
// hc.Unloaded, then makes control round trips for hc.Loaded (at least
// minPings of them), one every pace (0: one after another), and measures
// both.
func measureHOL(ctx context.Context, hc HOLConfig, s holSetup, pace time.Duration) (holResult, error) {
	var r holResult
	f := startFlow(s.bulk)
	if err := sleep(ctx, hc.Warmup); err != nil {
		return r, joinStop(err, f)
	}
	m := f.meter()
	if err := sleep(ctx, hc.Unloaded); err != nil {
		return r, joinStop(err, f)
	}
	r.unloaded = m.mbps()
	m = f.meter()
	var rtts []float64
	next := time.Now()
	for end := time.Now().Add(hc.Loaded); len(rtts) < minPings || time.Now().Before(end); {
		if pace > 0 {
			next = next.Add(pace)
			if err := sleep(ctx, time.Until(next)); err != nil {
				return r, joinStop(err, f)
			}
		}
		rtt, err := timePing(ctx, s.ping)
		if err != nil {
			return r, joinStop(err, f)
		}
		rtts = append(rtts, rtt)
	}
	r.loaded = m.mbps()
	if err := f.stop(); err != nil {
		return r, err
	}
	r.p50, r.p99, r.pings = percentile(rtts, 0.50), percentile(rtts, 0.99), len(rtts)
	return r, nil
}

// timePing makes one round trip and returns how long it took, in ms.
func timePing(ctx context.Context, ping func(context.Context) error) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, pingLimit)
	defer cancel()
	start := time.Now()
	if err := ping(ctx); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return 0, errors.New("bench: a control round trip took longer than 30s")
		}
		return 0, err
	}
	return float64(time.Since(start)) / float64(time.Millisecond), nil
}

// percentile returns the nearest-rank q-quantile of vs (not empty): with
// fewer than 100 samples the p99 is the largest.
func percentile(vs []float64, q float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[max(i, 0)]
}
