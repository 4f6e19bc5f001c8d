package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/telechan/telechan/codec"
	"github.com/telechan/telechan/internal/test/linkemu"
)

// measurement is one step of the suite: run measures once and returns its
// figures. Repeated steps run cfg.Runs times and report each figure's
// median.
type measurement struct {
	name   string
	repeat bool
	run    func(ctx context.Context, cfg Config) ([]Result, error)
}

// suite lists every measurement in the order they run.
func suite() []measurement {
	var ms []measurement
	ms = append(ms, bulkSteps()...)
	ms = append(ms, rpcSteps()...)
	ms = append(ms, holSteps()...)
	ms = append(ms, codecSteps()...)
	ms = append(ms, memSteps()...)
	return append(ms, resumeSteps()...)
}

// Names lists the measurement steps, for -run.
func Names() []string {
	var ns []string
	for _, m := range suite() {
		ns = append(ns, m.name)
	}
	return ns
}

func bulkSteps() []measurement {
	peers := []struct {
		name string
		fig  func(Dir) string
		open func(context.Context, linkemu.Profile, Dir) (pipe, error)
	}{
		{"telechan", func(d Dir) string { return "bulk.lan." + string(d) + ".mbps" }, telechanBulk},
		{"tcp", func(d Dir) string { return "peer.tcp." + string(d) + ".mbps" }, tcpBulk},
		{"ws", func(d Dir) string { return "peer.ws." + string(d) + ".mbps" }, wsBulk},
		{"yamux", func(d Dir) string { return "peer.yamux." + string(d) + ".mbps" }, yamuxBulk},
		{"grpc", grpcStreamName, grpcBulk},
	}
	var ms []measurement
	for _, dir := range []Dir{C2S, S2C} {
		for _, p := range peers {
			ms = append(ms, measurement{name: "bulk/" + p.name + "/" + string(dir), repeat: true,
				run: func(ctx context.Context, cfg Config) ([]Result, error) {
					pp, err := p.open(ctx, lan, dir)
					if err != nil {
						return nil, err
					}
					v, err := measureBulk(ctx, cfg, pp)
					return []Result{{p.fig(dir), v, unitMbps}}, err
				}})
		}
	}
	return ms
}

// grpcStreamName follows the issue: the client→server figure has no
// direction in its name.
func grpcStreamName(d Dir) string {
	if d == C2S {
		return "peer.grpc.stream.mbps"
	}
	return "peer.grpc.stream.s2c.mbps"
}

func rpcSteps() []measurement {
	peers := []struct {
		name, prefix string
		open         func(context.Context, linkemu.Profile) (caller, error)
	}{
		{"telechan", "rpc.lan", telechanCaller},
		{"grpc", "peer.grpc.unary", grpcCaller},
		{"netrpc", "peer.netrpc", netrpcCaller},
	}
	var ms []measurement
	for _, conc := range []int{1, 64} {
		for _, p := range peers {
			ms = append(ms, measurement{name: fmt.Sprintf("rpc/%s/c%d", p.name, conc), repeat: true,
				run: func(ctx context.Context, cfg Config) ([]Result, error) {
					c, err := p.open(ctx, lan)
					if err != nil {
						return nil, err
					}
					v, err := measureRate(ctx, cfg, c, conc)
					return []Result{{fmt.Sprintf("%s.c%d.rate", p.prefix, conc), v, unitRate}}, err
				}})
		}
	}
	return ms
}

func holSteps() []measurement {
	peers := []struct {
		name, prefix string
		open         func(context.Context, linkemu.Profile) (holSetup, error)
	}{
		{"telechan", "hol", telechanHOL},
		{"grpc", "peer.grpc.hol", grpcHOL},
		{"yamux", "peer.yamux.hol", yamuxHOL},
	}
	var ms []measurement
	for _, link := range []linkemu.Profile{lan, fourG} {
		for _, p := range peers {
			ms = append(ms, measurement{name: "hol/" + p.name + "/" + link.Name, repeat: true,
				run: func(ctx context.Context, cfg Config) ([]Result, error) {
					s, err := p.open(ctx, link)
					if err != nil {
						return nil, err
					}
					hc := cfg.LAN
					if link.Name == fourG.Name {
						hc = cfg.FourG
					}
					r, err := measureHOL(ctx, hc, s)
					pre := p.prefix + "." + link.Name + "."
					return []Result{
						{pre + "p99.ms", r.p99, unitMs},
						{pre + "p50.ms", r.p50, unitMs},
						{pre + "bulk.mbps", r.loaded, unitMbps},
						{pre + "unloaded.mbps", r.unloaded, unitMbps},
					}, err
				}})
		}
	}
	return ms
}

func codecSteps() []measurement {
	var ms []measurement
	for _, c := range []codec.Codec{codec.JSON, codec.CBOR} {
		ms = append(ms, measurement{name: "codec/" + c.Name(), repeat: true,
			run: func(ctx context.Context, cfg Config) ([]Result, error) {
				v, err := measureCodec(ctx, c, cfg.CodecWindow)
				return []Result{{"codec." + c.Name() + ".encdec.ns", v, unitNs}}, err
			}})
	}
	return ms
}

func memSteps() []measurement {
	return []measurement{
		{name: "mem/channel", run: func(ctx context.Context, cfg Config) ([]Result, error) {
			b, g, err := measureIdleChannels(ctx, cfg.Channels)
			return []Result{{"mem.channel.idle.bytes", b, unitBytes}, {"mem.channel.idle.goroutines", g, unitCount}}, err
		}},
		{name: "mem/conn", run: func(ctx context.Context, cfg Config) ([]Result, error) {
			b, g, err := measureIdleConns(ctx, cfg.Conns)
			return []Result{{"mem.conn.idle.bytes", b, unitBytes}, {"mem.conn.idle.goroutines", g, unitCount}}, err
		}},
	}
}

// Run runs every measurement whose step name match accepts (nil: all),
// calls emit with each figure as soon as it is known, logs progress to
// log, and returns all figures. A measurement that fails is logged and
// skipped; the errors are returned together at the end.
func Run(ctx context.Context, cfg Config, match func(step string) bool, emit func(Result), log io.Writer) ([]Result, error) {
	var all []Result
	var errs []error
	for _, m := range suite() {
		if match != nil && !match(m.name) {
			continue
		}
		start := time.Now()
		rs, err := runStep(ctx, cfg, m)
		fmt.Fprintf(log, "%-22s %6.1fs", m.name, time.Since(start).Seconds())
		if err != nil {
			fmt.Fprintf(log, "  FAILED: %v\n", err)
			errs = append(errs, fmt.Errorf("%s: %w", m.name, err))
			if ctx.Err() != nil {
				break
			}
			continue
		}
		fmt.Fprintln(log)
		for _, r := range rs {
			emit(r)
		}
		all = append(all, rs...)
	}
	return all, errors.Join(errs...)
}

// runStep runs m once, or cfg.Runs times and takes each figure's median.
func runStep(ctx context.Context, cfg Config, m measurement) ([]Result, error) {
	runs := 1
	if m.repeat {
		runs = max(cfg.Runs, 1)
	}
	var first []Result
	values := map[string][]float64{}
	for range runs {
		rs, err := m.run(ctx, cfg)
		if err != nil {
			return nil, err
		}
		if first == nil {
			first = rs
		}
		for _, r := range rs {
			values[r.Name] = append(values[r.Name], r.Value)
		}
	}
	for i := range first {
		first[i].Value = median(values[first[i].Name])
	}
	return first, nil
}
