package bench

import "fmt"

// target is one goal of issue 7: figure ≥ factor × against (or ≤ when
// atMost), or, when against is empty, figure ≥ bound (≤ when atMost).
type target struct {
	figure  string
	against string
	factor  float64
	bound   float64
	atMost  bool
}

// targets are the table, row by row.
var targets = []target{
	{figure: "bulk.lan.c2s.mbps", against: "peer.ws.c2s.mbps", factor: 0.9},
	{figure: "bulk.lan.c2s.mbps", against: "peer.grpc.stream.mbps", factor: 1.0},
	{figure: "bulk.lan.s2c.mbps", against: "peer.ws.s2c.mbps", factor: 0.9},
	{figure: "bulk.lan.s2c.mbps", against: "peer.grpc.stream.s2c.mbps", factor: 1.0},
	{figure: "rpc.lan.c1.rate", against: "peer.grpc.unary.c1.rate", factor: 1.5},
	{figure: "rpc.lan.c64.rate", against: "peer.grpc.unary.c64.rate", factor: 1.5},
	{figure: "hol.lan.p99.ms", bound: 1, atMost: true},
	{figure: "hol.lan.bulk.mbps", against: "hol.lan.unloaded.mbps", factor: 0.8},
	{figure: "hol.4g.p99.ms", bound: 70, atMost: true},
	{figure: "hol.4g.bulk.mbps", bound: 0.9 * float64(fourG.Bandwidth) / 1e6},
	{figure: "mem.channel.idle.bytes", bound: 4096, atMost: true},
	{figure: "mem.channel.idle.goroutines", bound: 0, atMost: true},
	{figure: "mem.conn.idle.bytes", bound: 64 << 10, atMost: true},
}

// verdict is a target judged against a run's figures.
type verdict struct {
	t     target
	ratio string // "0.85× peer.ws.c2s.mbps", or "" for an absolute bound
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
	if !ok || a.Value == 0 {
		return v
	}
	ratio := r.Value / a.Value
	v.ratio = fmt.Sprintf("%.2f× %s", ratio, t.against)
	v.goal = fmt.Sprintf("%s %.1f×", op, t.factor)
	v.pass, v.ok = cmp(ratio, t.factor), true
	return v
}
