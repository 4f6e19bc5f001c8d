package fleet

import (
	"context"
	"sync"
	"time"

	"github.com/telechan/telechan/examples/internal/exkit"
	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/broadcast"
	"github.com/telechan/telechan/registry"
)

// Prefix is the registry prefix under which rovers register.
const Prefix = "fleet/"

// Status is what a rover publishes, several times a second.
type Status struct {
	Name    string  `json:"name"`
	Seq     int     `json:"seq"`
	Battery float64 `json:"battery"`
	X       int     `json:"x"`
	Y       int     `json:"y"`
}

// Rover registers as Prefix+name and publishes its status every period to
// every operator subscribed, until ctx ends; then it returns nil.
//
// Each connection gets a subscriber of the rover's one broadcast channel
// as the first value of its base channel.
func Rover(ctx context.Context, name string, period time.Duration, reg *registry.Options, out *exkit.Writer) error {
	tx, keep := broadcast.New[Status](8)
	// Subscribers come with connections; keep stays until the end, as the
	// broadcast channel panics when a subscriber closes after the number of
	// subscribers once fell to zero (see TestBroadcastResubscribe).
	defer keep.Close()
	pctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { publish(pctx, name, period, tx) })
	out.Printf("%s: registering as %q", name, Prefix+name)
	err := registry.Serve(ctx, Prefix+name, func(ctx context.Context, sess *mux.Session) {
		base, err := rch.Connect[*broadcast.Receiver[Status], struct{}](ctx, sess, nil)
		if err != nil {
			return
		}
		defer base.Close()
		if base.Send(ctx, tx.Subscribe()) == nil {
			base.Recv(ctx) // until the operator hangs up
		}
	}, reg)
	cancel()
	wg.Wait()
	out.Printf("%s: gone", name)
	return exkit.Quiet(ctx, err)
}

// publish sends the rover's status every period until ctx ends, then
// closes the channel.
func publish(ctx context.Context, name string, period time.Duration, tx *broadcast.Sender[Status]) {
	defer tx.Close()
	t := time.NewTicker(period)
	defer t.Stop()
	st := Status{Name: name, Battery: 100}
	for {
		st.Seq++
		st.Battery -= 0.5
		st.X += st.Seq % 3
		st.Y += 1 - st.Seq%2
		tx.Send(st) // never waits; a slow operator is told it lagged
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
