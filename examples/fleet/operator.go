package fleet

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/telechan/telechan/examples/internal/exkit"
	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/broadcast"
	"github.com/telechan/telechan/registry"
)

// Sighting is what the operator tells its caller as the fleet changes:
// Kind is "watching" (the registry watch started; Name is empty), "joined"
// (the watch added the rover), "status" (its first status arrived), "left"
// (the watch removed it) or "ended" (its status stream ended).
type Sighting struct {
	Kind, Name string
}

// Operate watches Prefix in the registry reg names until ctx ends, and
// follows the status of every rover that appears. It calls seen, if not
// nil, from its goroutines, for every sighting. It returns nil when ctx
// ends.
//
// Operate runs one goroutine per rover it follows and waits for them.
func Operate(ctx context.Context, reg *registry.Options, out *exkit.Writer, seen func(Sighting)) error {
	if seen == nil {
		seen = func(Sighting) {}
	}
	c, err := registry.Dial(ctx, reg)
	if err != nil {
		return err
	}
	defer c.Close()
	w, err := c.Watch(ctx, Prefix)
	if err != nil {
		return err
	}
	defer w.Close()
	out.Printf("operator: watching %q in the registry", Prefix)
	seen(Sighting{"watching", ""})
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		ev, err := w.Next(ctx)
		if err != nil {
			return exkit.Quiet(ctx, err)
		}
		name := strings.TrimPrefix(ev.Entry.Topic, Prefix)
		switch ev.Kind {
		case registry.Added:
			out.Printf("operator: registry watch: %s joined at %s", name, ev.Entry.Address)
			seen(Sighting{"joined", name})
			wg.Go(func() { follow(ctx, name, ev.Entry.Address, out, seen) })
		case registry.Removed:
			out.Printf("operator: registry watch: %s left", name)
			seen(Sighting{"left", name})
		}
	}
}

// follow connects to a rover, subscribes to its status and prints the
// first value, and any lag, until the stream ends.
func follow(ctx context.Context, name, addr string, out *exkit.Writer, seen func(Sighting)) {
	defer seen(Sighting{"ended", name})
	sub, closeConn, err := subscribe(ctx, addr)
	if err != nil {
		out.Printf("operator: %s: %v", name, err)
		return
	}
	defer closeConn()
	n := 0
	for st, err := range sub.All(ctx) {
		var lag *broadcast.LagError
		switch {
		case errors.As(err, &lag):
			out.Printf("operator: %s: fell behind, missed %d statuses", name, lag.Missed)
		case err != nil:
			if !errors.Is(err, rch.ErrDisconnected) && ctx.Err() == nil {
				out.Printf("operator: %s: status stream: %v", name, err)
			}
			return
		case n == 0:
			out.Printf("operator: %s: first status through broadcast: battery %.1f%%, at (%d,%d)", name, st.Battery, st.X, st.Y)
			seen(Sighting{"status", name})
		}
		n++
	}
}

// subscribe dials a rover and returns the subscriber it sends, and a
// function that closes the connection.
func subscribe(ctx context.Context, addr string) (*broadcast.Receiver[Status], func(), error) {
	sess, err := mux.Dial(ctx, addr, nil)
	if err != nil {
		return nil, nil, err
	}
	base, err := rch.Connect[struct{}, *broadcast.Receiver[Status]](ctx, sess, nil)
	if err != nil {
		return nil, nil, err
	}
	sub, err := base.Recv(ctx)
	if err != nil {
		base.Close()
		return nil, nil, fmt.Errorf("no subscriber: %w", err)
	}
	return sub, func() { sub.Close(); base.Close() }, nil
}
