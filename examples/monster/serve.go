package monster

import (
	"context"

	"github.com/telechan/telechan/examples/internal/exkit"
	"github.com/telechan/telechan/registry"
)

// Topic is the registry topic Elmo is served under.
const Topic = "elmo"

// Serve serves a new Elmo under Topic in the registry reg names, until ctx
// ends. Every connection gets a client of the same Elmo as the first value
// of its base channel. It returns nil when ctx ends.
func Serve(ctx context.Context, reg *registry.Options, out *exkit.Writer) error {
	elmo := NewElmo()
	client := ServeMonster(elmo, nil)
	out.Printf("elmo: registering as %q and waiting for visitors", Topic)
	err := registry.Serve(ctx, Topic, exkit.ServeClient(client), reg)
	client.Close()
	elmo.Wait()
	out.Printf("elmo: unregistered, bye")
	return exkit.Quiet(ctx, err)
}
