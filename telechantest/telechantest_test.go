package telechantest_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/telechantest"
)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func both(t *testing.T, f func(t *testing.T, o telechantest.Options)) {
	for _, ws := range []bool{false, true} {
		name := "pipe"
		if ws {
			name = "websocket"
		}
		t.Run(name, func(t *testing.T) { f(t, telechantest.Options{WebSocket: ws}) })
	}
}

func TestRoundTrip(t *testing.T) {
	both(t, func(t *testing.T, o telechantest.Options) {
		c, s, _ := telechantest.Connect[string, string](t, &o)
		c.Send(ctx(t), "ping")
		if v, err := s.Recv(ctx(t)); v != "ping" || err != nil {
			t.Fatalf("%q, %v", v, err)
		}
	})
}

// TestCut: over a pipe, both sides see the connection lost at once; over a
// WebSocket the session resumes and nothing is lost.
func TestCut(t *testing.T) {
	both(t, func(t *testing.T, o telechantest.Options) {
		c, s, link := telechantest.Connect[string, string](t, &o)
		c.Send(ctx(t), "before")
		link.Cut()
		if !o.WebSocket {
			for name, b := range map[string]*rch.Base[string, string]{"client": c, "server": s} {
				v, err := b.Recv(ctx(t))
				if name == "server" && v == "before" && err == nil {
					v, err = b.Recv(ctx(t)) // it crossed before the cut
				}
				if !errors.Is(err, rch.ErrDisconnected) && !errors.Is(err, io.EOF) {
					t.Errorf("%s: %q, %v; want ErrDisconnected", name, v, err)
				}
			}
			return
		}
		c.Send(ctx(t), "after")
		for _, want := range []string{"before", "after"} {
			if v, err := s.Recv(ctx(t)); v != want || err != nil {
				t.Fatalf("%q, %v; want %q", v, err, want)
			}
		}
	})
}

// TestDown: a link that stays down ends a resumable session after its
// grace window, with mux.ErrNotResumed.
func TestDown(t *testing.T) {
	o := telechantest.Options{WebSocket: true, Mux: &mux.Options{ResumeGrace: 300 * time.Millisecond}}
	c, _, link := telechantest.Connect[string, string](t, &o)
	link.Down()
	start := time.Now()
	_, err := c.Recv(ctx(t))
	if !errors.Is(err, rch.ErrDisconnected) || !errors.Is(err, mux.ErrNotResumed) {
		t.Fatalf("Recv over a link that stays down: %v, want ErrNotResumed", err)
	}
	t.Logf("after %v: %v", time.Since(start).Round(time.Millisecond), err)
}

// TestFreeze: a frozen link delivers nothing; thawed in time, everything
// arrives; frozen for longer than the keepalive, the peer is declared
// dead.
func TestFreeze(t *testing.T) {
	both(t, func(t *testing.T, o telechantest.Options) {
		// A frozen link takes the resumed connection down too: the
		// session ends after its grace window.
		o.Mux = &mux.Options{KeepAliveInterval: 50 * time.Millisecond, KeepAliveTimeout: 200 * time.Millisecond, ResumeGrace: 500 * time.Millisecond}
		c, s, link := telechantest.Connect[int, int](t, &o)
		link.Freeze()
		c.Send(ctx(t), 1)
		short, cancel := context.WithTimeout(ctx(t), 50*time.Millisecond)
		if _, err := s.Recv(short); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Recv over a frozen link: %v", err)
		}
		cancel()
		link.Thaw()
		if v, err := s.Recv(ctx(t)); v != 1 || err != nil {
			t.Fatalf("after the thaw: %v, %v", v, err)
		}
		link.Freeze()
		start := time.Now()
		if _, err := s.Recv(ctx(t)); !errors.Is(err, rch.ErrDisconnected) {
			t.Fatalf("Recv over a link frozen for good: %v", err)
		}
		t.Logf("declared dead after %v", time.Since(start).Round(time.Millisecond))
		link.Thaw()
	})
}

// TestFourG: the emulated link's delay is felt: a round trip takes at
// least two one-way delays.
func TestFourG(t *testing.T) {
	both(t, func(t *testing.T, o telechantest.Options) {
		o.Profile = telechantest.FourG
		c, s, _ := telechantest.Connect[int, int](t, &o)
		start := time.Now()
		c.Send(ctx(t), 1)
		s.Recv(ctx(t))
		s.Send(ctx(t), 2)
		c.Recv(ctx(t))
		if rtt := time.Since(start); rtt < 2*telechantest.FourG.Delay {
			t.Fatalf("round trip of %v on a link with %v each way", rtt, telechantest.FourG.Delay)
		}
	})
}
