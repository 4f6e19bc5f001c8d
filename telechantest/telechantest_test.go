package telechantest_test

import (
	"context"
	"errors"
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

// TestCut: both sides see the connection lost at once.
func TestCut(t *testing.T) {
	both(t, func(t *testing.T, o telechantest.Options) {
		c, s, link := telechantest.Connect[string, string](t, &o)
		link.Cut()
		for name, b := range map[string]*rch.Base[string, string]{"client": c, "server": s} {
			if _, err := b.Recv(ctx(t)); !errors.Is(err, rch.ErrDisconnected) {
				t.Errorf("%s: %v, want ErrDisconnected", name, err)
			}
		}
	})
}

// TestFreeze: a frozen link delivers nothing; thawed in time, everything
// arrives; frozen for longer than the keepalive, the peer is declared
// dead.
func TestFreeze(t *testing.T) {
	both(t, func(t *testing.T, o telechantest.Options) {
		o.Mux = &mux.Options{KeepAliveInterval: 50 * time.Millisecond, KeepAliveTimeout: 200 * time.Millisecond}
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
