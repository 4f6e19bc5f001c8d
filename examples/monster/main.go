package monster

import (
	"context"
	"errors"
	"flag"
	"io"

	"github.com/telechan/telechan/examples/internal/exkit"
	"github.com/telechan/telechan/registry"
)

// Main runs the example as the command line asks: -serve serves Elmo until
// ctx ends, -visit visits it, and neither runs both in one process with a
// registry of its own. -registry names the registry (default
// $TELECHAN_REGISTRY, else ws://127.0.0.1:10101).
func Main(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("monster", flag.ContinueOnError)
	serve := fs.Bool("serve", false, "serve Elmo until interrupted")
	visit := fs.Bool("visit", false, "visit Elmo")
	reg := fs.String("registry", "", "registry URL (default $TELECHAN_REGISTRY, else ws://127.0.0.1:10101)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	w, opts := exkit.NewWriter(out), &registry.Options{Addr: *reg}
	switch {
	case *serve:
		return Serve(ctx, opts, w)
	case *visit:
		return Visit(ctx, opts, w)
	}
	return exkit.WithRegistry(func(opts *registry.Options) error { return Demo(ctx, opts, w) })
}

// Demo serves Elmo and visits it, in one process, through the registry reg
// names. The visitor starts first: it waits for Elmo to register.
func Demo(ctx context.Context, reg *registry.Options, out *exkit.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	served := make(chan error, 1)
	visited := make(chan error, 1)
	out.Printf("visitor: looking up %q in the registry (waiting up to 10s) before Elmo is up", Topic)
	go func() { visited <- visit(ctx, reg, out) }()
	go func() { served <- Serve(ctx, reg, out) }()
	err := <-visited
	cancel()
	return errors.Join(err, <-served)
}
