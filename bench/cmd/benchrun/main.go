// Benchrun measures telechan and its peers and writes the results: one JSON
// object per figure on stdout, {"name":…,"value":…,"unit":…}, progress on
// stderr, and (with -out) a Markdown table and an SVG chart.
//
//	go run ./cmd/benchrun              # everything, medians of 3 runs: a few minutes
//	go run ./cmd/benchrun -quick       # every figure once, shorter: under a minute
//	go run ./cmd/benchrun -run 'hol/'  # only the steps matching a regexp
//	go run ./cmd/benchrun -list        # the step names
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"time"

	"github.com/telechan/telechan/bench"
)

func main() {
	bench.Helper() // the child side of the idle-connection figure
	quick := flag.Bool("quick", false, "the reduced set: every figure once, short windows")
	out := flag.String("out", "", "directory to write results.md and chart.svg to (none if empty)")
	only := flag.String("run", "", "run only the steps matching this regexp")
	runs := flag.Int("runs", 0, "repeat each repeatable step this often (default 3, or 1 with -quick)")
	list := flag.Bool("list", false, "list the steps and exit")
	from := flag.String("from", "", "measure nothing: write the report (-out) of the figures in this results.jsonl, as of its modification time")
	flag.Parse()
	if *list {
		for _, n := range bench.Names() {
			fmt.Println(n)
		}
		return
	}
	if *from != "" {
		if err := rewrite(*from, *out, *quick); err != nil {
			fmt.Fprintln(os.Stderr, "benchrun:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*quick, *out, *only, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "benchrun:", err)
		os.Exit(1)
	}
}

func run(quick bool, out, only string, runs int) error {
	cfg, mode := bench.Full(), "full"
	if quick {
		cfg, mode = bench.Quick(), "quick"
	}
	if runs > 0 {
		cfg.Runs = runs
	}
	var match func(string) bool
	if only != "" {
		re, err := regexp.Compile(only)
		if err != nil {
			return err
		}
		match = re.MatchString
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	emit := func(r bench.Result) { fmt.Println(r.JSON()) }
	results, err := bench.Run(ctx, cfg, match, emit, os.Stderr)
	if out != "" && len(results) > 0 {
		if werr := bench.WriteReport(out, mode, cfg, results, time.Now()); werr != nil {
			return werr
		}
		fmt.Fprintf(os.Stderr, "wrote %s/results.md and %s/chart.svg\n", out, out)
	}
	return err
}

// rewrite writes the report of the figures a run saved in from (a
// results.jsonl) to out: after a change to the report or the targets,
// without measuring again.
func rewrite(from, out string, quick bool) error {
	if out == "" {
		return fmt.Errorf("-from needs -out")
	}
	fi, err := os.Stat(from)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	var rs []bench.Result
	for line := range strings.Lines(string(b)) {
		var r bench.Result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			return fmt.Errorf("%s: %w", from, err)
		}
		rs = append(rs, r)
	}
	cfg, mode := bench.Full(), "full"
	if quick {
		cfg, mode = bench.Quick(), "quick"
	}
	return bench.WriteReport(out, mode, cfg, rs, fi.ModTime())
}
