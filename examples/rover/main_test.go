package rover

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/telechan/telechan/examples/internal/exkit"
	"github.com/telechan/telechan/internal/test/linkemu"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// demo runs Demo with cfg against a registry of its own and returns the
// result and what it printed; it fails the test if the mission fails.
func demo(t *testing.T, cfg Config) (Result, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	reg, err := exkit.StartRegistry()
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	var buf bytes.Buffer
	res, err := Demo(ctx, cfg, reg.Options(), exkit.NewWriter(&buf))
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	return res, buf.String()
}

// fast is a link quick enough for tests that still has a bottleneck and a
// delay.
var fast = linkemu.Profile{Name: "fast", Bandwidth: 100_000_000, Delay: 2 * time.Millisecond}

// TestDemo runs a whole mission in one process: every frame arrives whole,
// every command and the stop are acknowledged, and the status watch ends
// on the stopped rover.
func TestDemo(t *testing.T) {
	res, out := demo(t, Config{Frames: 2, FrameSize: 300 << 10, Link: fast})
	want := Result{Frames: 2, Acks: 4, Final: Status{Stopped: true, Heading: +15 - 5 + 10, FramesSent: 2, Commands: 3}}
	if res != want {
		t.Errorf("result %+v, want %+v\n%s", res, want, out)
	}
	for _, s := range []string{"frame 2/2 [", "checksum ok", "EMERGENCY STOP (sent 50% into frame 2) arrived after", "rover: mission over: STOPPED"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
}

// TestTunnel: the link goes down in the middle of the second frame; the
// session resumes, the frame arrives whole, and the steering command sent
// in the tunnel is acknowledged once the link is back.
func TestTunnel(t *testing.T) {
	res, out := demo(t, Config{Frames: 2, FrameSize: 300 << 10, Link: fast, Tunnel: 300 * time.Millisecond})
	want := Result{Frames: 2, Acks: 5, Final: Status{Stopped: true, Heading: +15 - 5 + 10 - 10, FramesSent: 2, Commands: 4}, Resumed: 1}
	if res != want {
		t.Errorf("result %+v, want %+v\n%s", res, want, out)
	}
	for _, s := range []string{"entering a tunnel 40% into frame 2", "link down", "link back: session resumed, nothing lost", "in the tunnel) arrived after", "frame 2/2 ["} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
}

// TestSeparateSides runs -serve and -operate as the two processes would,
// against one registry, the operator first.
func TestSeparateSides(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	reg, err := exkit.StartRegistry()
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	var out bytes.Buffer
	w := exkit.NewWriter(&out)
	flags := []string{"-registry", reg.Addr, "-frames", "1", "-mib", "0.2", "-mbps", "0", "-delay", "1ms"}
	operated := make(chan error, 1)
	go func() { operated <- Main(ctx, append([]string{"-operate"}, flags...), w) }()
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- Main(sctx, append([]string{"-serve"}, flags...), w) }()
	if err := <-operated; err != nil {
		t.Errorf("operate: %v\n%s", err, out.String())
	}
	stop()
	if err := <-served; err != nil {
		t.Errorf("serve: %v", err)
	}
	if !strings.Contains(out.String(), "frame 1/1 [") || !strings.Contains(out.String(), "STOPPED") {
		t.Errorf("output:\n%s", out.String())
	}
}

// TestRoverGoesAway ends the rover while the operator is receiving a
// frame: the frame is cut short and the operator says so, never mistaking
// it for a whole frame. The rover is stopped from the operator's own
// output, when the first acknowledgement is printed, about a quarter into
// the frame; the operator reads no further until the rover is gone.
func TestRoverGoesAway(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	reg, err := exkit.StartRegistry()
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	cfg := Config{Frames: 1, FrameSize: 4 << 20, Link: fast}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	var roverOut bytes.Buffer
	go func() { served <- Serve(sctx, cfg, "127.0.0.1:0", reg.Options(), exkit.NewWriter(&roverOut)) }()
	var serveErr error
	opOut := &hookWriter{hook: "arrived after", f: func() { stop(); serveErr = <-served }}
	_, err = Operate(ctx, cfg, reg.Options(), exkit.NewWriter(opOut))
	if err == nil || !strings.Contains(err.Error(), "frame 1:") {
		t.Errorf("operator after the rover left: %v\n%s", err, opOut.buf.String())
	}
	if !strings.Contains(opOut.buf.String(), "cut short") {
		t.Errorf("the bar does not say the frame was cut short:\n%s", opOut.buf.String())
	}
	if serveErr != nil {
		t.Errorf("serve: %v", serveErr)
	}
}

// hookWriter runs f, once, in the Write of the first line containing hook.
type hookWriter struct {
	buf  bytes.Buffer
	hook string
	once sync.Once
	f    func()
}

func (w *hookWriter) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(w.hook)) {
		w.once.Do(w.f)
	}
	return w.buf.Write(p)
}
