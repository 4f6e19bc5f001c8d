package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/telechan/telechan/examples/counter"
	"github.com/telechan/telechan/examples/fleet"
	"github.com/telechan/telechan/examples/internal/exkit"
	"github.com/telechan/telechan/examples/monster"
	"github.com/telechan/telechan/examples/rover"
	"github.com/telechan/telechan/registry"
)

// examples maps a name on the command line to the example's Main.
var examples = map[string]func(context.Context, []string, io.Writer) error{
	"monster": monster.Main,
	"counter": counter.Main,
	"rover":   rover.Main,
	"fleet":   fleet.Main,
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// run runs one example if args name one, and else the whole demo.
func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 {
		ex, ok := examples[args[0]]
		if !ok {
			return fmt.Errorf("no example %q (monster, counter, rover, fleet)", args[0])
		}
		return ex(ctx, args[1:], out)
	}
	ctx, cancel := context.WithTimeout(ctx, 55*time.Second)
	defer cancel()
	return all(ctx, exkit.NewWriter(out))
}

// all runs every example against one embedded registry.
func all(ctx context.Context, out *exkit.Writer) error {
	start := time.Now()
	reg, err := exkit.StartRegistry()
	if err != nil {
		return err
	}
	defer reg.Close()
	out.Printf("registry: embedded, in memory, at %s", reg.Addr)
	opts := reg.Options()
	steps := []struct {
		title string
		run   func(context.Context, *registry.Options, *exkit.Writer) error
	}{
		{"monster: rcom's monster as a remote interface, found by name in the registry", monster.Demo},
		{"counter: remoc's counter, with a watch channel and an mpsc channel in its calls", counter.Demo},
		{"rover: camera frames on a slow link, with steering and an emergency stop on the same connection, and a tunnel on the way", runRover},
		{"fleet: rovers come and go; the registry's watch and a broadcast channel follow them", fleet.Demo},
	}
	for _, s := range steps {
		out.Printf("\n== %s", s.title)
		if err := s.run(ctx, opts, out); err != nil {
			return fmt.Errorf("%s: %w", s.title, err)
		}
	}
	out.Printf("\ndone: four examples, each over real WebSockets on loopback, in %v", time.Since(start).Round(100*time.Millisecond))
	return nil
}

// runRover runs the rover example on its default, 4G-like link, through a
// 3-second tunnel in the middle of the second frame.
func runRover(ctx context.Context, reg *registry.Options, out *exkit.Writer) error {
	_, err := rover.Demo(ctx, rover.Config{Tunnel: 3 * time.Second}, reg, out)
	return err
}
