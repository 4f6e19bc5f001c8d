package registry_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/registry"
)

// restartable is a registry server that can be stopped and started again
// on the same address, its entries lost, as a registry process restarts.
type restartable struct {
	t    *testing.T
	addr string
	srv  *registry.Server
	hs   *http.Server
	done chan struct{}
}

func newRestartable(t *testing.T) *restartable {
	r := &restartable{t: t}
	r.start("127.0.0.1:0")
	t.Cleanup(r.stop)
	return r
}

func (r *restartable) start(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		r.t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	r.srv, _ = registry.NewServer(nil)
	r.hs = &http.Server{Handler: r.srv, ReadHeaderTimeout: 10 * time.Second}
	r.done = make(chan struct{})
	go func() { defer close(r.done); r.hs.Serve(ln) }()
}

func (r *restartable) stop() {
	if r.hs == nil {
		return
	}
	r.hs.Close()
	r.srv.Close()
	<-r.done
	r.hs = nil
}

func (r *restartable) restart() { r.stop(); r.start(r.addr) }

func (r *restartable) url() string { return "ws://" + r.addr }

// TestServeAndFollowSurviveRestart: the registry restarts and forgets
// everything. Serve registers its topic again, and Follow reconnects and
// reports what changed: the topic registered meanwhile by someone else,
// and the served topic, back.
func TestServeAndFollowSurviveRestart(t *testing.T) {
	reg := newRestartable(t)
	opts := &registry.Options{Addr: reg.url()}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	served := make(chan error, 1)
	sctx, stopServe := context.WithCancel(ctx)
	go func() {
		served <- registry.Serve(sctx, "robot/a", func(ctx context.Context, s *mux.Session) { <-ctx.Done() }, opts)
	}()
	defer func() { stopServe(); <-served }()

	known := map[string]bool{}
	var notices int
	next, stop := iterPull(registry.Follow(ctx, "robot/", opts))
	defer stop()
	await := func(want map[string]bool) {
		t.Helper()
		for !equal(known, want) {
			ev, err, ok := next()
			if !ok {
				t.Fatalf("Follow ended; knew %v", known)
			}
			if err != nil {
				if !errors.Is(err, registry.ErrLost) {
					t.Fatalf("Follow: %v", err)
				}
				notices++
				continue
			}
			known[ev.Entry.Topic] = ev.Kind == registry.Added
			if !known[ev.Entry.Topic] {
				delete(known, ev.Entry.Topic)
			}
		}
	}
	await(map[string]bool{"robot/a": true})

	reg.restart()
	other, err := registry.Dial(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Register(ctx, "robot/b", "ws://b/", nil); err != nil {
		t.Fatal(err)
	}
	await(map[string]bool{"robot/a": true, "robot/b": true})
	if notices == 0 {
		t.Error("Follow never said the registry was lost")
	}
	if addr, err := other.Resolve(ctx, "robot/a"); err != nil || addr == "" {
		t.Fatalf("robot/a after the restart: %q, %v", addr, err)
	}
}

func equal(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}
