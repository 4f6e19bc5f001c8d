package rover

import (
	"context"
	"errors"
	"flag"
	"io"
	"time"

	"github.com/telechan/telechan/examples/internal/exkit"
	"github.com/telechan/telechan/internal/test/linkemu"
	"github.com/telechan/telechan/registry"
)

// Main runs the example as the command line asks: -serve runs the rover
// until ctx ends, -operate runs an operator, and neither runs both in one
// process with a registry of its own. The other flags shape the frames and
// the emulated link.
func Main(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("rover", flag.ContinueOnError)
	serve := fs.Bool("serve", false, "run the rover until interrupted")
	operate := fs.Bool("operate", false, "operate the rover")
	reg := fs.String("registry", "", "registry URL (default $TELECHAN_REGISTRY, else ws://127.0.0.1:10101)")
	listenAddr := fs.String("listen", "127.0.0.1:0", "the rover's listen address")
	frames := fs.Int("frames", 3, "camera frames to send")
	size := fs.Float64("mib", 1.5, "size of a frame in MiB")
	mbps := fs.Float64("mbps", 10, "emulated link bandwidth in Mbit/s each way (0: unlimited)")
	delay := fs.Duration("delay", 25*time.Millisecond, "emulated link delay each way")
	tunnel := fs.Duration("tunnel", 0, "take the link down this long in the middle of the second frame")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := Config{Frames: *frames, FrameSize: int(*size * (1 << 20)),
		Link: linkemu.Profile{Name: "flags", Bandwidth: int64(*mbps * 1e6), Delay: *delay}, Tunnel: *tunnel}
	w, opts := exkit.NewWriter(out), &registry.Options{Addr: *reg}
	switch {
	case *serve:
		return Serve(ctx, cfg, *listenAddr, opts, w)
	case *operate:
		_, err := Operate(ctx, cfg, opts, w)
		return err
	}
	return exkit.WithRegistry(func(opts *registry.Options) error {
		_, err := Demo(ctx, cfg, opts, w)
		return err
	})
}

// Demo runs the rover and an operator in one process, through the registry
// reg names.
func Demo(ctx context.Context, cfg Config, reg *registry.Options, out *exkit.Writer) (Result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, cfg, "127.0.0.1:0", reg, out) }()
	res, err := Operate(ctx, cfg, reg, out)
	cancel()
	return res, errors.Join(err, <-served)
}
