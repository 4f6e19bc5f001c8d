package bench

import (
	"fmt"
	"strings"
)

// The table judges each target against the same run's figures.
func ExampleMarkdown() {
	rs := []Result{
		{"bulk.lan.c2s.mbps", 1800, "Mbit/s"},
		{"peer.ws.c2s.mbps", 2000, "Mbit/s"},
		{"hol.4g.p99.ms", 64.2, "ms"},
	}
	md := Markdown("example", Quick(), rs)
	fmt.Println(md[strings.Index(md, "| figure"):])
	// Output:
	// | figure | value | unit | ratio | target | result |
	// |---|---:|---|---|---|---|
	// | `bulk.lan.c2s.mbps` | 1800 | Mbit/s | 0.90× peer.ws.c2s.mbps | ≥ 0.9× | pass |
	// | `peer.ws.c2s.mbps` | 2000 | Mbit/s |  |  |  |
	// | `hol.4g.p99.ms` | 64.20 | ms | – | ≤ 70.00 ms | pass |
}
