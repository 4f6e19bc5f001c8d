package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// WriteReport writes results.md (every figure, with the targets judged),
// results.jsonl (every figure with every run's value, a JSON object a
// line) and chart.svg (control latency under load against bulk throughput) to
// dir. mode and cfg are noted in the table's header.
func WriteReport(dir, mode string, cfg Config, rs []Result, when time.Time) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	md := Markdown(mode, cfg, rs, when)
	if err := os.WriteFile(filepath.Join(dir, "results.md"), []byte(md), 0o644); err != nil {
		return err
	}
	var js strings.Builder
	for _, r := range rs {
		js.WriteString(r.JSON() + "\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "results.jsonl"), []byte(js.String()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "chart.svg"), []byte(Chart(rs)), 0o644)
}

// Markdown returns the results table: one row per figure, and for the
// figures with a target the ratio against its peer, the target and pass or
// miss (two of each where a figure has two targets).
func Markdown(mode string, cfg Config, rs []Result, when time.Time) string {
	fig := byName(rs)
	verdicts := map[string][]verdict{}
	pass, total := 0, 0
	for _, t := range targets {
		v := t.judge(fig)
		if !v.ok {
			continue
		}
		verdicts[t.figure] = append(verdicts[t.figure], v)
		total++
		if v.pass {
			pass++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# telechan benchmark results\n\n")
	fmt.Fprintf(&b, "`%s` run, %s, %s, %s/%s, GOMAXPROCS %d, median of %d run(s) per repeatable figure; "+
		"the steps a target compares ran interleaved, one round after another, and each ratio is the median of the ratios of runs measured side by side. Targets met: %d of %d.\n\n",
		mode, when.UTC().Format("2006-01-02 15:04 UTC"), runtime.Version(), runtime.GOOS, runtime.GOARCH,
		runtime.GOMAXPROCS(0), max(cfg.Runs, 1), pass, total)
	b.WriteString("| figure | value | runs (min–max) | unit | ratio to its peer, paired runs | target | result |\n|---|---:|---|---|---|---|---|\n")
	for _, r := range rs {
		spread := "–"
		if len(r.Runs) > 1 {
			spread = format(slices.Min(r.Runs), r.Unit) + "–" + format(slices.Max(r.Runs), r.Unit)
		}
		var ratio, goal, res []string
		for _, v := range verdicts[r.Name] {
			ratio, goal = append(ratio, orDash(v.ratio)), append(goal, v.goal)
			res = append(res, map[bool]string{true: "pass", false: "**miss**"}[v.pass])
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s | %s |\n", r.Name, format(r.Value, r.Unit), spread, r.Unit,
			strings.Join(ratio, "<br>"), strings.Join(goal, "<br>"), strings.Join(res, "<br>"))
	}
	return b.String()
}

func byName(rs []Result) map[string]Result {
	m := make(map[string]Result, len(rs))
	for _, r := range rs {
		m[r.Name] = r
	}
	return m
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// format prints v with as many decimals as its size and unit call for.
func format(v float64, unit string) string {
	switch {
	case unit == unitMs && v < 10:
		return fmt.Sprintf("%.3f", v)
	case unit == unitMs || unit == unitCount || v < 100:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.0f", v)
	}
}
