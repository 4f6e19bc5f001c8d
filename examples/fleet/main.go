package fleet

import (
	"context"
	"errors"
	"flag"
	"io"
	"time"

	"github.com/telechan/telechan/examples/internal/exkit"
	"github.com/telechan/telechan/registry"
)

// Main runs the example as the command line asks: -rover NAME runs a rover
// until ctx ends, -operator an operator until ctx ends, and neither the
// whole scene in one process with a registry of its own.
func Main(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("fleet", flag.ContinueOnError)
	rover := fs.String("rover", "", "run a rover of this name until interrupted")
	operator := fs.Bool("operator", false, "watch the fleet until interrupted")
	reg := fs.String("registry", "", "registry URL (default $TELECHAN_REGISTRY, else ws://127.0.0.1:10101)")
	period := fs.Duration("period", 100*time.Millisecond, "how often a rover publishes its status")
	if err := fs.Parse(args); err != nil {
		return err
	}
	w, opts := exkit.NewWriter(out), &registry.Options{Addr: *reg}
	switch {
	case *rover != "":
		return Rover(ctx, *rover, *period, opts, w)
	case *operator:
		return Operate(ctx, opts, w, nil)
	}
	return exkit.WithRegistry(func(opts *registry.Options) error { return Demo(ctx, opts, w) })
}

// Demo plays the scene in one process: spirit joins, then opportunity;
// opportunity leaves; perseverance joins. Each step waits for the operator
// to have seen the one before.
func Demo(ctx context.Context, reg *registry.Options, out *exkit.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sc := newScene(ctx, reg, out)
	return errors.Join(sc.play(), sc.wait())
}

// play runs the steps of the scene.
func (sc *scene) play() error {
	if err := sc.await(Sighting{"watching", ""}); err != nil {
		return err
	}
	for _, step := range []struct {
		join  bool
		name  string
		until Sighting
	}{
		{true, "spirit", Sighting{"status", "spirit"}},
		{true, "opportunity", Sighting{"status", "opportunity"}},
		{false, "opportunity", Sighting{"left", "opportunity"}},
		{true, "perseverance", Sighting{"status", "perseverance"}},
	} {
		if step.join {
			sc.start(step.name)
		} else {
			sc.stop(step.name)
		}
		if err := sc.await(step.until); err != nil {
			return err
		}
	}
	return nil
}
