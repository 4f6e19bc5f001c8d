package bench

import (
	"fmt"
	"strings"
	"time"
)

// The table judges each target on the ratios of runs measured side by
// side, and shows their spread.
func ExampleMarkdown() {
	rs := []Result{
		{"bulk.lan.c2s.mbps", 1800, "Mbit/s", []float64{1700, 1800, 1900}},
		{"peer.ws.c2s.mbps", 2000, "Mbit/s", []float64{2000, 1900, 2100}},
		{"hol.4g.p99.ms", 64.2, "ms", nil},
	}
	md := Markdown("example", Quick(), rs, time.Now())
	fmt.Println(md[strings.Index(md, "| figure"):])
	// Output:
	// | figure | value | runs (min–max) | unit | ratio to its peer, paired runs | target | result |
	// |---|---:|---|---|---|---|---|
	// | `bulk.lan.c2s.mbps` | 1800 | 1700–1900 | Mbit/s | 0.90× (0.85–0.95) peer.ws.c2s.mbps | ≥ 0.9× | pass |
	// | `peer.ws.c2s.mbps` | 2000 | 1900–2100 | Mbit/s |  |  |  |
	// | `hol.4g.p99.ms` | 64.20 | – | ms | – | ≤ 70.00 ms | pass |
}
