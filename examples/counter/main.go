package counter

import (
	"context"
	"errors"
	"flag"
	"io"

	"github.com/telechan/telechan/examples/internal/exkit"
	"github.com/telechan/telechan/registry"
)

// Main runs the example as the command line asks: -serve serves a counter
// until ctx ends, -connect uses it, and neither runs both in one process
// with a registry of its own. -registry names the registry.
func Main(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("counter", flag.ContinueOnError)
	serve := fs.Bool("serve", false, "serve a counter until interrupted")
	connect := fs.Bool("connect", false, "use the counter")
	reg := fs.String("registry", "", "registry URL (default $TELECHAN_REGISTRY, else ws://127.0.0.1:10101)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	w, opts := exkit.NewWriter(out), &registry.Options{Addr: *reg}
	switch {
	case *serve:
		return Serve(ctx, opts, w)
	case *connect:
		return Use(ctx, opts, w)
	}
	return exkit.WithRegistry(func(opts *registry.Options) error { return Demo(ctx, opts, w) })
}

// Demo serves a counter and uses it, in one process, through the registry
// reg names.
func Demo(ctx context.Context, reg *registry.Options, out *exkit.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, reg, out) }()
	err := Use(ctx, reg, out)
	cancel()
	return errors.Join(err, <-served)
}
