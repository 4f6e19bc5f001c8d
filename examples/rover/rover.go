package rover

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/telechan/telechan/examples/internal/exkit"
	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/bin"
	"github.com/telechan/telechan/rch/mpsc"
	"github.com/telechan/telechan/rch/oneshot"
	"github.com/telechan/telechan/rch/watch"
	"github.com/telechan/telechan/registry"
)

// Topic is the registry topic the rover registers under.
const Topic = "rover"

// Serve listens on listen (e.g. "127.0.0.1:0"), registers the address under
// Topic in the registry reg names, and runs a mission for each operator
// that connects, until ctx ends; then it returns nil.
func Serve(ctx context.Context, cfg Config, listenAddr string, reg *registry.Options, out *exkit.Writer) error {
	cfg = cfg.withDefaults()
	ln, err := net.Listen("tcp", listenAddr)
	if err != nil {
		return err
	}
	srv := listen(ln, cfg.Link, func(ctx context.Context, sess *mux.Session) { runMission(ctx, sess, cfg, out) })
	defer srv.Close()
	c, err := registry.Dial(ctx, reg)
	if err != nil {
		return err
	}
	defer c.Close()
	out.Printf("rover: registering as %q; %d camera frames of %s to send over %s", Topic, cfg.Frames, mib(cfg.FrameSize), describe(cfg.Link))
	lease, err := c.Register(ctx, Topic, "ws://"+ln.Addr().String()+"/", nil)
	if err != nil {
		return err
	}
	defer lease.Close()
	select {
	case <-ctx.Done():
		return nil
	case <-lease.Done():
		return fmt.Errorf("rover: registration lost: %w", lease.Err())
	}
}

// mission is one operator's session with the rover. Its goroutines: the
// session's handler streams frames; one goroutine obeys commands and one
// waits for the emergency stop. The handler waits for both before it
// returns.
type mission struct {
	cfg    Config
	mu     sync.Mutex
	status Status
	report *watch.Sender[Status]
}

// runMission serves one operator: it exchanges channels on the base
// channel, streams the frames, and obeys until the operator hangs up.
func runMission(ctx context.Context, sess *mux.Session, cfg Config, out *exkit.Writer) {
	base, err := rch.Connect[Telemetry, Controls](ctx, sess, nil)
	if err != nil {
		return
	}
	defer base.Close()
	framesTx, framesRx := mpsc.New[Frame](1)
	report, status := watch.New(Status{})
	defer report.Close()
	if err := base.Send(ctx, Telemetry{Frames: framesRx, Status: status}); err != nil {
		framesTx.Close()
		return
	}
	ctl, err := base.Recv(ctx)
	if err != nil {
		framesTx.Close()
		return
	}
	m := &mission{cfg: cfg, report: report}
	var wg sync.WaitGroup
	wg.Go(func() { m.obey(ctx, ctl.Commands) })
	wg.Go(func() { m.awaitStop(ctx, ctl.Stop) })
	err = m.stream(ctx, framesTx)
	wg.Wait() // until the operator closes its channels or the connection ends
	st := m.update(func(*Status) {})
	if err != nil {
		out.Printf("rover: mission cut short: %v", err)
		return
	}
	out.Printf("rover: mission over: %s", st)
}

// stream sends the frames, each on a byte stream of its own, until all are
// sent or the rover is stopped.
func (m *mission) stream(ctx context.Context, frames *mpsc.Sender[Frame]) error {
	defer frames.Close()
	rng := rand.NewChaCha8([32]byte{'r', 'o', 'v', 'e', 'r'})
	data := make([]byte, m.cfg.FrameSize)
	for seq := 1; seq <= m.cfg.Frames && !m.stopped(); seq++ {
		rng.Read(data) // a camera frame compresses no better than noise
		w, r := bin.NewSized(int64(len(data)))
		f := Frame{Seq: seq, Of: m.cfg.Frames, Sum: sha256.Sum256(data), Data: r}
		if err := frames.Send(ctx, f); err != nil {
			w.Close()
			return err
		}
		if _, err := w.WriteContext(ctx, data); err != nil {
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
		m.update(func(s *Status) { s.FramesSent++ })
	}
	return nil
}

// obey steers as commanded and acknowledges each command with the time it
// arrived, until the operator closes the channel.
func (m *mission) obey(ctx context.Context, commands *mpsc.Receiver[Command]) {
	defer commands.Close()
	for cmd, err := range commands.All(ctx) {
		arrived := time.Now()
		if err != nil {
			continue // one bad command; All stops at the end
		}
		m.update(func(s *Status) {
			if !s.Stopped {
				s.Heading += cmd.Steer
				s.Commands++
			}
		})
		cmd.Ack.Send(arrived)
	}
}

// awaitStop waits for the emergency stop, or for the operator to go
// without sending one.
func (m *mission) awaitStop(ctx context.Context, stop *oneshot.Receiver[Stop]) {
	defer stop.Close()
	s, err := stop.Recv(ctx)
	if err != nil {
		return // oneshot.ErrNoValue: the operator left without stopping us
	}
	arrived := time.Now()
	m.update(func(s *Status) { s.Stopped = true })
	s.Ack.Send(arrived)
}

// update changes the status under the lock, reports it on the watch
// channel (which never waits) and returns it.
func (m *mission) update(change func(*Status)) Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	change(&m.status)
	m.report.Send(m.status) // fails only once the operator stopped watching
	return m.status
}

func (m *mission) stopped() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.status.Stopped
}

// mib formats a size in MiB.
func mib(n int) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
