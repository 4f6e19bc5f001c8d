package registry_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/registry"
)

// echo answers each string with its double.
func echo(ctx context.Context, s *mux.Session) {
	b, err := rch.Connect[string, string](ctx, s, nil)
	if err != nil {
		return
	}
	defer b.Close()
	for v, err := range b.All(ctx) {
		if err != nil || b.Send(ctx, v+v) != nil {
			return
		}
	}
}

func TestServeAndConnect(t *testing.T) {
	_, url := startServer(t, nil)
	opts := &registry.Options{Addr: url}
	ctx, cancel := context.WithCancel(testCtx(t))
	served := make(chan error, 1)
	go func() { served <- registry.Serve(ctx, "echo", echo, opts) }()

	base, err := registry.ConnectBase[string, string](testCtx(t), "echo", opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := base.Send(testCtx(t), "ab"); err != nil {
		t.Fatal(err)
	}
	if v, err := base.Recv(testCtx(t)); err != nil || v != "abab" {
		t.Fatalf("Recv = %q, %v", v, err)
	}
	// Serve ends with its ctx, and takes its registration and sessions
	// along.
	cancel()
	if err := <-served; !errors.Is(err, context.Canceled) {
		t.Fatalf("Serve returned %v, want context.Canceled", err)
	}
	<-base.Done()
	c := dial(t, url)
	if _, err := c.Resolve(testCtx(t), "echo"); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("Resolve after Serve ended: %v", err)
	}
}

func TestConnectGivesUp(t *testing.T) {
	_, url := startServer(t, nil)
	ctx, cancel := context.WithTimeout(testCtx(t), 200*time.Millisecond)
	defer cancel()
	if _, err := registry.Connect(ctx, "nobody", &registry.Options{Addr: url}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Connect: %v, want context.DeadlineExceeded", err)
	}
}

func TestServeTopicTaken(t *testing.T) {
	_, url := startServer(t, nil)
	c := dial(t, url)
	if _, err := c.Register(testCtx(t), "echo", "ws://a/", nil); err != nil {
		t.Fatal(err)
	}
	err := registry.Serve(testCtx(t), "echo", echo, &registry.Options{Addr: url})
	if !errors.Is(err, registry.ErrTaken) {
		t.Fatalf("Serve on a taken topic: %v, want ErrTaken", err)
	}
}
