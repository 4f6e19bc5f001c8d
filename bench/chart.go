package bench

import (
	"fmt"
	"math"
	"strings"
)

// Chart returns an SVG chart of the head-of-line figures: for each link
// (lan, 4g) a panel with bulk throughput under load across and the control
// round trip p99 up (log scale), one point per implementation, and the
// target region shaded. Figures missing from rs are left out.
func Chart(rs []Result) string {
	fig := byName(rs)
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" width="920" height="490" viewBox="0 0 920 490" font-family="sans-serif" font-size="12">` + "\n")
	b.WriteString(`<rect width="920" height="490" fill="white"/>` + "\n")
	b.WriteString(`<text x="460" y="22" text-anchor="middle" font-size="15">Control round trip p99 while a bulk transfer saturates the connection</text>` + "\n")
	lanGoal := 0.8 * fig["hol.lan.unloaded.mbps"].Value
	link := float64(fourG.Bandwidth) / 1e6
	panel(&b, fig, 60, "lan", "lan (loopback)", 0, 1, lanGoal)
	panel(&b, fig, 520, "4g", "4g (10 Mbit/s, 2 MiB buffer, 25 ms each way)", 1.2*link, 70, 0.9*link)
	b.WriteString("</svg>\n")
	return b.String()
}

// series are the implementations drawn, with the prefix of their figures.
var series = []struct{ label, prefix, color string }{
	{"telechan", "hol.", "#1f6fd1"},
	{"gRPC-go", "peer.grpc.hol.", "#d1421f"},
	{"yamux by hand", "peer.yamux.hol.", "#6b6b6b"},
}

// chart geometry of one panel.
const (
	panelW, panelH = 360, 320
	panelTop       = 50
)

// panel draws one link's panel with its left edge at x0 and a legend
// under it. xmax is the right end of the bulk axis, or 0 to fit the
// points. maxP99 and minBulk are the targets: the shaded region is where
// telechan should be.
func panel(b *strings.Builder, fig map[string]Result, x0 float64, link, title string, xmax, maxP99, minBulk float64) {
	auto := xmax == 0
	ymin, ymax, n := math.Inf(1), math.Inf(-1), 0
	for _, s := range series {
		bulk, okB := fig[s.prefix+link+".bulk.mbps"]
		p99, okP := fig[s.prefix+link+".p99.ms"]
		if okB && okP && p99.Value > 0 {
			if auto {
				xmax = max(xmax, bulk.Value, minBulk)
			}
			ymin, ymax, n = min(ymin, p99.Value), max(ymax, p99.Value), n+1
		}
	}
	if n == 0 {
		return
	}
	if auto {
		xmax = niceCeil(xmax * 1.1)
	}
	lo := math.Pow(10, math.Floor(math.Log10(min(ymin, maxP99)/2)))
	hi := math.Pow(10, math.Ceil(math.Log10(max(ymax, maxP99)*2)))
	x := func(v float64) float64 { return x0 + v/xmax*panelW }
	y := func(v float64) float64 {
		return panelTop + panelH - (math.Log10(v)-math.Log10(lo))/(math.Log10(hi)-math.Log10(lo))*panelH
	}
	fmt.Fprintf(b, `<text x="%.0f" y="%d" text-anchor="middle" font-size="13">%s</text>`+"\n", x0+panelW/2, panelTop-8, title)
	// Target region: bulk at least minBulk, p99 at most maxP99.
	fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#dff3df"/>`+"\n",
		x(minBulk), y(maxP99), x(xmax)-x(minBulk), y(lo)-y(maxP99))
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" fill="#3a7a3a" text-anchor="end">target</text>`+"\n", x(xmax)-4, y(lo)-6)
	axes(b, x0, xmax, lo, hi, x, y)
	for i, s := range series {
		bulk, okB := fig[s.prefix+link+".bulk.mbps"]
		p99, okP := fig[s.prefix+link+".p99.ms"]
		if !okB || !okP || p99.Value <= 0 {
			continue
		}
		px, py := x(min(bulk.Value, xmax)), y(p99.Value)
		fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="6" fill="%s" fill-opacity="0.85"/>`+"\n", px, py, s.color)
		ly := float64(panelTop + panelH + 58 + 16*i)
		fmt.Fprintf(b, `<circle cx="%.0f" cy="%.1f" r="5" fill="%s"/>`+"\n", x0+6, ly-4, s.color)
		fmt.Fprintf(b, `<text x="%.0f" y="%.1f">%s: p99 %s ms, bulk %s Mbit/s</text>`+"\n",
			x0+16, ly, s.label, format(p99.Value, unitMs), format(bulk.Value, unitMbps))
	}
}

// axes draws the frame, the ticks and the axis titles of a panel.
func axes(b *strings.Builder, x0, xmax, lo, hi float64, x, y func(float64) float64) {
	fmt.Fprintf(b, `<rect x="%.0f" y="%d" width="%d" height="%d" fill="none" stroke="#333"/>`+"\n", x0, panelTop, panelW, panelH)
	step := niceCeil(xmax / 6)
	for v := 0.0; v <= xmax*1.0001; v += step {
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#333"/>`+"\n", x(v), panelTop+panelH, x(v), panelTop+panelH+5)
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", x(v), panelTop+panelH+18, trimFloat(v))
	}
	for v := lo; v <= hi*1.001; v *= 10 {
		fmt.Fprintf(b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#ddd"/>`+"\n", x0, y(v), x0+panelW, y(v))
		fmt.Fprintf(b, `<text x="%.0f" y="%.1f" text-anchor="end">%s</text>`+"\n", x0-5, y(v)+4, trimFloat(v))
	}
	fmt.Fprintf(b, `<text x="%.0f" y="%d" text-anchor="middle">bulk throughput under load (Mbit/s)</text>`+"\n", x0+panelW/2, panelTop+panelH+36)
	fmt.Fprintf(b, `<text x="%.0f" y="%d" text-anchor="middle" transform="rotate(-90 %.0f %d)">control round trip p99 (ms, log)</text>`+"\n",
		x0-42, panelTop+panelH/2, x0-42, panelTop+panelH/2)
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.3f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}
