package fleet

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/telechan/telechan/examples/internal/exkit"
	"github.com/telechan/telechan/registry"
)

// scene runs the operator and the rovers of Demo, each in a goroutine of
// its own, and lets Demo wait for what the operator sees.
type scene struct {
	ctx    context.Context
	reg    *registry.Options
	out    *exkit.Writer
	seen   chan Sighting
	errs   chan error
	rovers map[string]func() // stop a rover and wait for it
	wg     sync.WaitGroup
	opCtx  context.Context // the operator's
	stopOp context.CancelFunc
}

func newScene(ctx context.Context, reg *registry.Options, out *exkit.Writer) *scene {
	sc := &scene{ctx: ctx, reg: reg, out: out, seen: make(chan Sighting, 64), errs: make(chan error, 16),
		rovers: map[string]func(){}}
	sc.opCtx, sc.stopOp = context.WithCancel(ctx)
	sc.wg.Go(func() { sc.report(Operate(sc.opCtx, reg, out, sc.notice)) })
	return sc
}

// notice passes a sighting to await; once the operator is stopped, it
// drops it.
func (sc *scene) notice(s Sighting) {
	select {
	case sc.seen <- s:
	case <-sc.opCtx.Done():
	}
}

func (sc *scene) report(err error) {
	if err != nil {
		sc.errs <- err
	}
}

// start starts a rover.
func (sc *scene) start(name string) {
	ctx, stop := context.WithCancel(sc.ctx)
	done := make(chan struct{})
	sc.rovers[name] = func() { stop(); <-done }
	sc.wg.Go(func() {
		defer close(done)
		sc.report(Rover(ctx, name, 50*time.Millisecond, sc.reg, sc.out))
	})
}

// stop stops a rover and waits until it is gone.
func (sc *scene) stop(name string) { sc.rovers[name]() }

// await waits until the operator reports want, or a part of the scene
// fails.
func (sc *scene) await(want Sighting) error {
	for {
		select {
		case s := <-sc.seen:
			if s == want {
				return nil
			}
		case err := <-sc.errs:
			return err
		case <-sc.ctx.Done():
			return sc.ctx.Err()
		}
	}
}

// wait stops the rovers, then the operator, and waits for all of them.
func (sc *scene) wait() error {
	for _, name := range slices.Sorted(maps.Keys(sc.rovers)) {
		sc.rovers[name]() // a second call only waits
	}
	sc.stopOp()
	sc.wg.Wait()
	close(sc.errs)
	return errors.Join(collect(sc.errs)...)
}

func collect(errs chan error) []error {
	var out []error
	for err := range errs {
		out = append(out, err)
	}
	return out
}
