package bench

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// streamCounts are the numbers of parallel bulk streams on one connection
// the aggregate figures measure: one (the reference), 8 and 64.
var streamCounts = []int{1, 8, 64}

// streamSteps measure the aggregate client→server rate of n bulk streams
// on one connection, telechan's bin channels and yamux streams by hand,
// interleaved in one group: whether the aggregate holds as streams are
// added (issue 15: 8 streams got 0.48× the rate of one).
func streamSteps() []measurement {
	peers := []struct {
		name, prefix string
		open         func(ctx context.Context, n int) ([]pipe, func(), error)
	}{{"telechan", "bulk.lan.streams", telechanStreams}, {"yamux", "peer.yamux.streams", yamuxStreams}}
	var ms []measurement
	for _, p := range peers {
		for _, n := range streamCounts {
			ms = append(ms, measurement{name: fmt.Sprintf("streams/%s/x%d", p.name, n), group: "streams", repeat: true,
				run: func(ctx context.Context, cfg Config) ([]Result, error) {
					pipes, closeAll, err := p.open(ctx, n)
					if err != nil {
						return nil, err
					}
					defer closeAll()
					v, err := measureAggregate(ctx, cfg, pipes)
					return []Result{{fmt.Sprintf("%s%d.mbps", p.prefix, n), v, unitMbps, nil}}, err
				}})
		}
	}
	return ms
}

// measureAggregate runs every pipe flat out at once for cfg.Warmup, then
// measures for cfg.Window and returns their summed rate in Mbit/s.
func measureAggregate(ctx context.Context, cfg Config, pipes []pipe) (float64, error) {
	flows := make([]*flow, len(pipes))
	for i, p := range pipes {
		flows[i] = startFlow(p)
	}
	stopAll := func(err error) error {
		var errs []error
		for _, f := range flows {
			errs = append(errs, f.stop())
		}
		return errors.Join(append([]error{err}, errs...)...)
	}
	if err := sleep(ctx, cfg.Warmup); err != nil {
		return 0, stopAll(err)
	}
	var before int64
	for _, f := range flows {
		before += f.received.Load()
	}
	start := time.Now()
	err := sleep(ctx, cfg.Window)
	var after int64
	for _, f := range flows {
		after += f.received.Load()
	}
	rate := float64(after-before) * 8 / time.Since(start).Seconds() / 1e6
	if err := stopAll(err); err != nil {
		return 0, err
	}
	return rate, nil
}

// telechanStreams opens n bin channels client→server on one telechan
// connection (each as telechanBulk's: the client makes it and sends its
// Reader across). Each pipe's close ends its channel; closeAll, the rest.
func telechanStreams(ctx context.Context, n int) ([]pipe, func(), error) {
	tp, err := dialTelechanWith(ctx, lan, nil, nil)
	if err != nil {
		return nil, nil, err
	}
	cb, sb, err := bases[Ends, Ends](ctx, tp)
	if err != nil {
		tp.close()
		return nil, nil, err
	}
	closeAll := func() { cb.Close(); sb.Close(); tp.close() }
	pipes := make([]pipe, n)
	for i := range pipes {
		r, w, err := sendReader(ctx, cb, sb)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		buf := make([]byte, msgSize)
		pipes[i] = pipe{
			write: func(p []byte) error { _, err := w.WriteContext(wctx, p); return err },
			read:  func() (int, error) { return r.Read(buf) },
			close: func() { cancel(); w.Close(); r.Close() },
		}
	}
	return pipes, closeAll, nil
}

// yamuxStreams opens n yamux streams client→server on one yamux session
// over a raw WebSocket, by hand (see yamuxPair).
func yamuxStreams(ctx context.Context, n int) ([]pipe, func(), error) {
	yp, err := dialYamux(ctx, lan)
	if err != nil {
		return nil, nil, err
	}
	pipes := make([]pipe, n)
	for i := range pipes {
		c, s, err := yp.streams()
		if err != nil {
			yp.close()
			return nil, nil, err
		}
		buf := make([]byte, msgSize)
		pipes[i] = pipe{
			write: func(p []byte) error { _, err := c.Write(p); return err },
			read:  func() (int, error) { return s.Read(buf) },
			close: func() { c.Close(); s.Close() },
		}
	}
	return pipes, yp.close, nil
}
