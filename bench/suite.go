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
// median with every run's value. Consecutive steps of one group are
// interleaved: each round runs every step of the group once (A B C, then
// B C A, ...), so that the figures a target compares are measured side
// by side, run i of one with run i of the other.
type measurement struct {
	name   string
	group  string // "" for a step measured on its own
	repeat bool
	run    func(ctx context.Context, cfg Config) ([]Result, error)
}

// suite lists every measurement in the order they run.
func suite() []measurement {
	var ms []measurement
	ms = append(ms, bulkSteps()...)
	ms = append(ms, streamSteps()...)
	ms = append(ms, rpcSteps()...)
	ms = append(ms, holSteps()...)
	ms = append(ms, codecSteps()...)
	ms = append(ms, memSteps()...)
	ms = append(ms, resumeSteps()...)
	// Last: the thousand connections it opens and closes would be freed
	// while a memory figure measures.
	return append(ms, connsSteps()...)
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
			ms = append(ms, measurement{name: "bulk/" + p.name + "/" + string(dir), group: "bulk/" + string(dir), repeat: true,
				run: func(ctx context.Context, cfg Config) ([]Result, error) {
					pp, err := p.open(ctx, lan, dir)
					if err != nil {
						return nil, err
					}
					v, err := measureBulk(ctx, cfg, pp)
					return []Result{{p.fig(dir), v, unitMbps, nil}}, err
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
	for _, conc := range []int{1, 64, 1024} {
		for _, p := range peers {
			ms = append(ms, measurement{name: fmt.Sprintf("rpc/%s/c%d", p.name, conc), group: fmt.Sprintf("rpc/c%d", conc), repeat: true,
				run: func(ctx context.Context, cfg Config) ([]Result, error) {
					c, err := p.open(ctx, lan)
					if err != nil {
						return nil, err
					}
					v, allocs, err := measureRateAllocs(ctx, cfg, c, conc)
					rs := []Result{{fmt.Sprintf("%s.c%d.rate", p.prefix, conc), v, unitRate, nil}}
					if conc == 1 {
						rs = append(rs, Result{p.prefix + ".c1.allocs", allocs, unitAllocs, nil})
					}
					return rs, err
				}})
		}
	}
	return ms
}

// paced is the gap between the control round trips of the paced HOL
// figures: a control loop at 200 Hz, as a robot's would run, rather than
// pings back to back (which keep the peer's goroutines awake).
const paced = 5 * time.Millisecond

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
	for _, c := range []struct {
		link linkemu.Profile
		name string
		pace time.Duration
	}{{lan, "lan", 0}, {lan, "lan.paced", paced}, {fourG, "4g", 0}} {
		link := c.link
		for _, p := range peers {
			ms = append(ms, measurement{name: "hol/" + p.name + "/" + c.name, group: "hol/" + c.name, repeat: true,
				run: func(ctx context.Context, cfg Config) ([]Result, error) {
					s, err := p.open(ctx, link)
					if err != nil {
						return nil, err
					}
					hc := cfg.LAN
					if link.Name == fourG.Name {
						hc = cfg.FourG
					}
					r, err := measureHOL(ctx, hc, s, c.pace)
					pre := p.prefix + "." + c.name + "."
					return []Result{
						{pre + "p99.ms", r.p99, unitMs, nil},
						{pre + "p50.ms", r.p50, unitMs, nil},
						{pre + "bulk.mbps", r.loaded, unitMbps, nil},
						{pre + "unloaded.mbps", r.unloaded, unitMbps, nil},
					}, err
				}})
		}
	}
	return ms
}

func codecSteps() []measurement {
	var ms []measurement
	for _, c := range []codec.Codec{codec.JSON, codec.CBOR} {
		ms = append(ms, measurement{name: "codec/" + c.Name(), group: "codec", repeat: true,
			run: func(ctx context.Context, cfg Config) ([]Result, error) {
				v, err := measureCodec(ctx, c, cfg.CodecWindow)
				return []Result{{"codec." + c.Name() + ".encdec.ns", v, unitNs, nil}}, err
			}})
	}
	return ms
}

func memSteps() []measurement {
	return []measurement{
		{name: "mem/channel", run: func(ctx context.Context, cfg Config) ([]Result, error) {
			b, g, err := measureIdleChannels(ctx, cfg.Channels)
			return []Result{{"mem.channel.idle.bytes", b, unitBytes, nil}, {"mem.channel.idle.goroutines", g, unitCount, nil}}, err
		}},
		{name: "mem/conn", run: func(ctx context.Context, cfg Config) ([]Result, error) {
			b, g, err := measureIdleConns(ctx, cfg.Conns)
			return []Result{{"mem.conn.idle.bytes", b, unitBytes, nil}, {"mem.conn.idle.goroutines", g, unitCount, nil}}, err
		}},
	}
}

// Run runs every measurement whose step name match accepts (nil: all),
// group by group, calls emit with each figure as soon as its group is
// done, logs progress to log, and returns all figures. A measurement that
// fails is logged and dropped from its group; the errors are returned
// together at the end.
func Run(ctx context.Context, cfg Config, match func(step string) bool, emit func(Result), log io.Writer) ([]Result, error) {
	var ms []measurement
	for _, m := range suite() {
		if match == nil || match(m.name) {
			ms = append(ms, m)
		}
	}
	var all []Result
	var errs []error
	for len(ms) > 0 && ctx.Err() == nil {
		n := 1
		for ms[0].group != "" && n < len(ms) && ms[n].group == ms[0].group {
			n++
		}
		rs, err := runGroup(ctx, cfg, ms[:n], log)
		ms = ms[n:]
		for _, r := range rs {
			emit(r)
		}
		all = append(all, rs...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return all, errors.Join(errs...)
}

// runGroup runs the steps of one group in rounds, each step once a round,
// starting each round one step further on, and returns every figure with
// its median and its runs (in round order, so run i of one figure was
// measured beside run i of another).
func runGroup(ctx context.Context, cfg Config, group []measurement, log io.Writer) ([]Result, error) {
	rounds := 1
	if group[0].repeat {
		rounds = max(cfg.Runs, 1)
	}
	firsts := make([][]Result, len(group)) // each step's figures, in order
	values := map[string][]float64{}
	failed := make([]error, len(group))
	for round := range rounds {
		for k := range group {
			i := (k + round) % len(group)
			m := group[i]
			if failed[i] != nil || ctx.Err() != nil {
				continue
			}
			start := time.Now()
			rs, err := m.run(ctx, cfg)
			fmt.Fprintf(log, "%-22s run %d/%d %6.1fs", m.name, round+1, rounds, time.Since(start).Seconds())
			if err != nil {
				fmt.Fprintf(log, "  FAILED: %v\n", err)
				failed[i] = fmt.Errorf("%s: %w", m.name, err)
				continue
			}
			fmt.Fprintln(log)
			if firsts[i] == nil {
				firsts[i] = rs
			}
			for _, r := range rs {
				values[r.Name] = append(values[r.Name], r.Value)
			}
		}
	}
	var out []Result
	for i, rs := range firsts {
		if failed[i] != nil {
			continue
		}
		for _, r := range rs {
			r.Runs = values[r.Name]
			r.Value = median(r.Runs)
			out = append(out, r)
		}
	}
	return out, errors.Join(failed...)
}
