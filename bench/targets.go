package bench

import (
	"fmt"
	"slices"
	"strconv"
)

// target is one goal of the issues' tables: figure ≥ factor × against (or
// ≤ when atMost), or, when against is empty, figure ≥ bound (≤ when
// atMost). A ratio is judged on the runs paired within their group (run i
// of figure against run i of against): the median of those ratios, with
// their spread shown.
type target struct {
	figure  string
	against string
	factor  float64
	bound   float64
	atMost  bool
}

// targets are the goals of issue 15 (performance, round two) and issue 14
// (the resumption layer's overhead), row by row.
var targets = []target{
	{figure: "bulk.lan.c2s.mbps", against: "peer.ws.c2s.mbps", factor: 0.9},
	{figure: "bulk.lan.c2s.mbps", against: "peer.grpc.stream.mbps", factor: 1.3},
	{figure: "bulk.lan.s2c.mbps", against: "peer.ws.s2c.mbps", factor: 0.9},
	{figure: "bulk.lan.s2c.mbps", against: "peer.grpc.stream.s2c.mbps", factor: 1.3},
	{figure: "rpc.lan.c1.rate", against: "peer.grpc.unary.c1.rate", factor: 1.5},
	{figure: "rpc.lan.c1.rate", against: "peer.netrpc.c1.rate", factor: 0.7},
	{figure: "rpc.lan.c64.rate", against: "peer.grpc.unary.c64.rate", factor: 2},
	{figure: "rpc.lan.c1024.rate", against: "peer.grpc.unary.c1024.rate", factor: 2},
	{figure: "rpc.lan.c1.allocs", bound: 30, atMost: true},
	{figure: "conns.many.cpu.us", against: "conns.one.cpu.us", factor: 1.3, atMost: true},
	{figure: "bulk.lan.streams8.mbps", against: "bulk.lan.streams1.mbps", factor: 0.9},
	{figure: "bulk.lan.streams64.mbps", against: "bulk.lan.streams1.mbps", factor: 0.9},
	{figure: "bulk.lan.streams8.mbps", against: "peer.yamux.streams8.mbps", factor: 1},
	{figure: "bulk.lan.streams64.mbps", against: "peer.yamux.streams64.mbps", factor: 1},
	{figure: "hol.lan.paced.p99.ms", bound: 1, atMost: true},
	{figure: "hol.lan.paced.p99.ms", against: "peer.yamux.hol.lan.paced.p99.ms", factor: 1, atMost: true},
	{figure: "hol.4g.p99.ms", bound: 70, atMost: true},
	{figure: "hol.4g.bulk.mbps", bound: 0.9 * float64(fourG.Bandwidth) / 1e6},
	{figure: "mem.channel.idle.bytes", bound: 4096, atMost: true},
	{figure: "mem.channel.idle.goroutines", bound: 0, atMost: true},
	{figure: "mem.conn.idle.bytes", bound: 48 << 10, atMost: true},
	{figure: "resume.lan.bulk.on.mbps", against: "resume.lan.bulk.off.mbps", factor: 0.95},
	{figure: "resume.lan.calls.on.rate", against: "resume.lan.calls.off.rate", factor: 0.95},
}

// verdict is a target judged against a run's figures.
type verdict struct {
	t     target
	ratio string // "0.85× (0.80–0.91) peer.ws.c2s.mbps", or "" for an absolute bound
	goal  string // "≥ 0.9×", "≤ 1 ms"
	pass  bool
	ok    bool // false if a figure is missing
}

func (t target) judge(fig map[string]Result) verdict {
	v := verdict{t: t}
	r, ok := fig[t.figure]
	if !ok {
		return v
	}
	op := "≥"
	if t.atMost {
		op = "≤"
	}
	cmp := func(x, limit float64) bool {
		if t.atMost {
			return x <= limit
		}
		return x >= limit
	}
	if t.against == "" {
		v.goal = fmt.Sprintf("%s %s %s", op, format(t.bound, r.Unit), r.Unit)
		v.pass, v.ok = cmp(r.Value, t.bound), true
		return v
	}
	a, ok := fig[t.against]
	if !ok {
		return v
	}
	ratios := pairedRatios(r, a)
	if len(ratios) == 0 {
		return v
	}
	ratio := median(ratios)
	v.ratio = fmt.Sprintf("%.2f× %s", ratio, t.against)
	if len(ratios) > 1 {
		v.ratio = fmt.Sprintf("%.2f× (%.2f–%.2f) %s", ratio, slices.Min(ratios), slices.Max(ratios), t.against)
	}
	v.goal = fmt.Sprintf("%s %s×", op, strconv.FormatFloat(t.factor, 'f', -1, 64))
	v.pass, v.ok = cmp(ratio, t.factor), true
	return v
}

// pairedRatios returns r's runs divided by a's, run by run, when both have
// the same number of runs (they were measured in the same rounds), else
// the ratio of their values alone. A zero divisor drops its pair.
func pairedRatios(r, a Result) []float64 {
	if len(r.Runs) == 0 || len(r.Runs) != len(a.Runs) {
		if a.Value == 0 {
			return nil
		}
		return []float64{r.Value / a.Value}
	}
	var out []float64
	for i, x := range r.Runs {
		if a.Runs[i] != 0 {
			out = append(out, x/a.Runs[i])
		}
	}
	return out
}
