package rover

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync"
	"time"

	"github.com/telechan/telechan/examples/internal/exkit"
	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/mpsc"
	"github.com/telechan/telechan/rch/oneshot"
	"github.com/telechan/telechan/registry"
)

// Result is what the operator saw of one mission.
type Result struct {
	// Frames is how many frames arrived whole, checksum verified.
	Frames int
	// Acks is how many commands, the emergency stop included, were
	// acknowledged.
	Acks int
	// Final is the rover's last status.
	Final Status
	// Resumed is how many times the session came back after the link
	// went down (Config.Tunnel).
	Resumed int
}

// operator is the operator's side of a mission. The goroutine that runs
// Operate reads the frames and prints; one goroutine per command waits
// for its acknowledgement and passes it on in acks.
type operator struct {
	cfg      Config
	out      *exkit.Writer
	bar      *bar
	commands *mpsc.Sender[Command]
	stop     *oneshot.Sender[Stop]
	acks     chan ack
	steer    []int
	sent     int   // commands sent, the stop included
	printed  int   // acknowledgements printed (or failures)
	acked    int   // acknowledgements received
	failed   error // the first command that was not acknowledged
	tunnel   *tunnel
	tunnelAt int // the frame in the middle of which the link goes down, or 0
	resumed  chan int
	wg       sync.WaitGroup // the tunnel's timer
	note     string         // said of the next command
}

// ack is one acknowledged (or lost) command, for printing.
type ack struct {
	what          string
	sent, arrived time.Time
	acked         time.Time
	err           error
}

// Operate finds the rover in the registry reg names (waiting up to 10 s),
// connects over the emulated link, and runs a mission: it receives every
// frame, steers during the transfer and sends the emergency stop half way
// through the last frame.
func Operate(ctx context.Context, cfg Config, reg *registry.Options, out *exkit.Writer) (Result, error) {
	cfg = cfg.withDefaults()
	o := *reg
	tun := &tunnel{p: cfg.Link}
	o.Mux = tun.options()
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	sess, err := registry.Connect(wait, Topic, &o)
	if err != nil {
		return Result{}, fmt.Errorf("operator: finding %q: %w", Topic, err)
	}
	base, err := rch.Connect[Controls, Telemetry](wait, sess, nil)
	if err != nil {
		return Result{}, fmt.Errorf("operator: connecting to %q: %w", Topic, err)
	}
	defer base.Close()
	tel, err := base.Recv(ctx)
	if err != nil {
		return Result{}, err
	}
	defer tel.Frames.Close()
	defer tel.Status.Close()
	cmdTx, cmdRx := mpsc.New[Command](8)
	stopTx, stopRx := oneshot.New[Stop]()
	defer cmdTx.Close()
	defer stopTx.Close()
	if err := base.Send(ctx, Controls{Commands: cmdRx, Stop: stopRx}); err != nil {
		return Result{}, err
	}
	out.Printf("operator: connected to the rover over %s", describe(cfg.Link))
	op := &operator{cfg: cfg, out: out, bar: newBar(out), commands: cmdTx, stop: stopTx,
		acks: make(chan ack, 3*cfg.Frames), steer: []int{+15, -5, +10, -10, +5},
		tunnel: tun, resumed: make(chan int, 1)}
	if cfg.Tunnel > 0 {
		op.tunnelAt = min(2, cfg.Frames)
	}
	wctx, stopWatch := context.WithCancel(ctx)
	go op.watchLink(wctx, sess)
	res, err := op.run(ctx, tel)
	stopWatch()
	res.Resumed = <-op.resumed
	op.wg.Wait()
	return res, err
}

// watchLink prints the session's state as it changes, until ctx ends, and
// then says on op.resumed how many times it resumed.
func (op *operator) watchLink(ctx context.Context, sess *mux.Session) {
	resumed := 0
	defer func() { op.resumed <- resumed }()
	_, changed := sess.State()
	for {
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
		var st mux.State
		st, changed = sess.State()
		switch st {
		case mux.Reconnecting:
			op.bar.println("operator: link down: the session waits for it (reconnecting)")
		case mux.Resumed:
			resumed++
			op.bar.println("operator: link back: session resumed, nothing lost")
		case mux.Lost:
			return
		}
	}
}

// run receives the frames, then waits for the acknowledgements still due
// and for the rover to report that it stopped.
func (op *operator) run(ctx context.Context, tel Telemetry) (Result, error) {
	var res Result
	for f, err := range tel.Frames.All(ctx) {
		if err != nil {
			return res, err
		}
		if err := op.receive(ctx, f); err != nil {
			return res, err
		}
		res.Frames++
	}
	for op.printed < op.sent {
		op.print(<-op.acks) // each waiter sends exactly once
	}
	res.Acks = op.acked
	if op.failed != nil {
		return res, op.failed
	}
	for !res.Final.Stopped || res.Final.FramesSent < res.Frames {
		st, err := tel.Status.Recv(ctx)
		if err != nil {
			return res, err
		}
		res.Final = st
	}
	op.out.Printf("operator: the rover's status (watch channel): %s", res.Final)
	return res, nil
}

// receive reads one frame, drawing its progress bar, and sends commands
// at set points of the transfer.
func (op *operator) receive(ctx context.Context, f Frame) error {
	defer f.Data.Close()
	size := f.Data.Size()
	op.bar.start(fmt.Sprintf("operator: frame %d/%d", f.Seq, f.Of), size)
	last := f.Seq == f.Of
	points := []float64{0.25, 0.75}
	if last {
		points = []float64{0.25, 0.5} // the second is the emergency stop
	}
	tunnelAt := -1.0
	if f.Seq == op.tunnelAt {
		tunnelAt = 0.4
	}
	sum := sha256.New()
	buf := make([]byte, 32<<10)
	var got int64
	for {
		n, err := f.Data.ReadContext(ctx, buf)
		sum.Write(buf[:n])
		got += int64(n)
		for len(points) > 0 && float64(got) >= points[0]*float64(size) {
			op.command(ctx, f.Seq, points[0], last && len(points) == 1)
			points = points[1:]
		}
		if tunnelAt >= 0 && float64(got) >= tunnelAt*float64(size) {
			op.enterTunnel(ctx, f.Seq, tunnelAt)
			tunnelAt = -1
		}
		op.drain()
		op.bar.set(got)
		if err != nil {
			return op.finish(f, sum, err)
		}
	}
}

// finish ends a frame's progress bar and checks its bytes.
func (op *operator) finish(f Frame, sum hash.Hash, err error) error {
	if !errors.Is(err, io.EOF) {
		op.bar.done("cut short")
		return fmt.Errorf("operator: frame %d: %w", f.Seq, err)
	}
	if [32]byte(sum.Sum(nil)) != f.Sum {
		op.bar.done("CHECKSUM MISMATCH")
		return fmt.Errorf("operator: frame %d: checksum mismatch", f.Seq)
	}
	op.bar.done("checksum ok")
	return nil
}

// command sends a steering command, or the emergency stop, and starts a
// goroutine that waits for its acknowledgement.
//
// Before the stop it waits for the steering already sent to be
// acknowledged: commands and the stop travel on channels of their own, so
// a steer still in flight (in a tunnel, say) could arrive together with
// the stop and be ignored by the stopped rover, which would make the end
// heading a matter of luck.
func (op *operator) command(ctx context.Context, seq int, at float64, stop bool) {
	if stop {
		for op.printed < op.sent {
			op.print(<-op.acks) // each waiter sends exactly once
		}
	}
	ackTx, ackRx := oneshot.New[time.Time]()
	now := time.Now()
	var what string
	var err error
	if stop {
		what = fmt.Sprintf("EMERGENCY STOP (sent %.0f%% into frame %d)", at*100, seq)
		err = op.stop.Send(Stop{SentAt: now, Ack: ackTx})
	} else {
		steer := op.steer[op.sent%len(op.steer)]
		what = fmt.Sprintf("steer %+d° (sent %.0f%% into frame %d%s)", steer, at*100, seq, op.note)
		op.note = ""
		err = op.commands.Send(ctx, Command{Seq: op.sent + 1, Steer: steer, SentAt: now, Ack: ackTx})
	}
	op.sent++
	go func() {
		a := ack{what: what, sent: now, err: err}
		if err == nil {
			a.arrived, a.err = ackRx.Recv(ctx)
			a.acked = time.Now()
		}
		ackRx.Close()
		op.acks <- a
	}()
}

// enterTunnel takes the link down for Config.Tunnel, in the middle of
// frame seq, and steers while it is down: the command waits in the
// session and arrives once the link is back.
func (op *operator) enterTunnel(ctx context.Context, seq int, at float64) {
	op.bar.println(fmt.Sprintf("operator: entering a tunnel %.0f%% into frame %d: no signal for %v", at*100, seq, op.cfg.Tunnel))
	op.tunnel.enter()
	op.wg.Add(1)
	go func() {
		defer op.wg.Done()
		t := time.NewTimer(op.cfg.Tunnel)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		op.bar.println("operator: out of the tunnel: signal again")
		op.tunnel.exit()
	}()
	op.note = ", in the tunnel"
	op.command(ctx, seq, at, false)
}

// drain prints the acknowledgements that came in, without waiting.
func (op *operator) drain() {
	for {
		select {
		case a := <-op.acks:
			op.print(a)
		default:
			return
		}
	}
}

// print prints one acknowledgement: how long the command took to arrive
// (by the rover's clock) and to be acknowledged (by ours).
func (op *operator) print(a ack) {
	op.printed++
	if a.err != nil {
		op.failed = cmp.Or(op.failed, a.err)
		op.bar.println(fmt.Sprintf("operator:   %s: not acknowledged: %v", a.what, a.err))
		return
	}
	op.acked++
	op.bar.println(fmt.Sprintf("operator:   %s arrived after %v, acknowledged after %v",
		a.what, round(a.arrived.Sub(a.sent)), round(a.acked.Sub(a.sent))))
}

// round rounds d to a precision that reads well.
func round(d time.Duration) time.Duration {
	if d > 10*time.Millisecond {
		return d.Round(time.Millisecond)
	}
	return d.Round(100 * time.Microsecond)
}
