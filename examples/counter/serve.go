package counter

import (
	"context"

	"github.com/telechan/telechan/examples/internal/exkit"
	"github.com/telechan/telechan/registry"
)

// Topic is the registry topic the counter is served under.
const Topic = "counter"

// Serve serves a new counter under Topic in the registry reg names, until
// ctx ends, and then returns nil. Every connection gets a client of the
// same counter.
func Serve(ctx context.Context, reg *registry.Options, out *exkit.Writer) error {
	local := NewLocal()
	client := ServeCounter(local, nil)
	out.Printf("counter: registering as %q", Topic)
	err := registry.Serve(ctx, Topic, exkit.ServeClient(client), reg)
	client.Close()
	v, _ := local.Value(ctx)
	local.Close()
	out.Printf("counter: unregistered at value %d", v)
	return exkit.Quiet(ctx, err)
}
