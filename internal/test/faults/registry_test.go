package faults_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/telechan/telechan/internal/test/faulttest"
	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/registry"
)

// regEnv is a registry server and a telechan server registered on it as
// "elmo", which sends nItems numbers to each client and waits.
type regEnv struct {
	url  string // the registry
	good *registry.Client
}

func newRegEnv(t *testing.T) *regEnv {
	t.Helper()
	srv, err := registry.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { srv.Close(); hs.Close() })
	target := httptest.NewServer(mux.Handler(func(ctx context.Context, s *mux.Session) {
		base, err := rch.Connect[int, struct{}](ctx, s, nil)
		if err != nil {
			return
		}
		defer base.Close()
		for i := range nItems {
			if base.Send(ctx, i) != nil {
				return
			}
		}
		base.Recv(ctx) // until the client goes
	}, nil))
	t.Cleanup(target.Close)
	e := &regEnv{url: "ws" + strings.TrimPrefix(hs.URL, "http")}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e.good, err = registry.Dial(ctx, &registry.Options{Addr: e.url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.good.Close() })
	if _, err := e.good.Register(ctx, "elmo", "ws"+strings.TrimPrefix(target.URL, "http"), nil); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestCutRegistry cuts the client's connections (to the registry, then to
// the server it resolved) after N bytes, for many N, while it waits in
// ResolveWait for a topic registered meanwhile and then in Connect and the
// base channel. Every call must fail with an error saying the connection
// was lost (registry.ErrLost, rch.ErrDisconnected) or, before any
// connection was up, a dial error; none may hang.
func TestCutRegistry(t *testing.T) {
	e := newRegEnv(t)
	full, ok := runRegCut(t, e, 0, 0)
	if !ok {
		t.Fatal("an uncut run did not complete")
	}
	points := cutPoints(full)
	var completed int
	for i, n := range points {
		if _, ok := runRegCut(t, e, n, i+1); ok {
			completed++
		}
		if t.Failed() {
			t.Fatalf("cut after %d of %d bytes", n, full)
		}
	}
	t.Logf("%d bytes written by the client in a full run; %d cut points, %d completed anyway", full, len(points), completed)
	e.good.Close()
	goleak.VerifyNone(t, goleak.IgnoreCurrent())
}

func runRegCut(t *testing.T, e *regEnv, limit int64, run int) (int64, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	k := faulttest.NewCut(limit)
	hc := faulttest.HTTPClient(t, k)
	opts := &registry.Options{Addr: e.url, HTTPClient: hc, Mux: &mux.Options{HTTPClient: hc, ResumeGrace: -1}} // a cut is final here; see mux TestResume*
	ok, err := regClient(ctx, e, opts, fmt.Sprintf("later-%d", run))
	if err != nil && !errors.Is(err, errCut) {
		t.Errorf("%v", err)
	}
	if limit == 0 && (err != nil || !ok) {
		t.Errorf("an uncut run failed: %v", err)
	}
	return k.Written(), ok && !k.Fired()
}

func regClient(ctx context.Context, e *regEnv, opts *registry.Options, topic string) (bool, error) {
	c, err := registry.Dial(ctx, opts)
	if err != nil {
		return false, dialLost("Dial", err)
	}
	defer c.Close()
	rctx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	reg := make(chan error, 1)
	go func() { // registers while (or before) the client waits
		l, err := e.good.Register(rctx, topic, "ws://nowhere/", nil)
		if err == nil {
			defer l.Close()
			<-rctx.Done() // the lease lasts as long as this run
		}
		reg <- err
	}()
	addr, err := c.ResolveWait(ctx, topic)
	cancelRun()
	if rerr := <-reg; rerr != nil && !errors.Is(rerr, context.Canceled) {
		return false, fmt.Errorf("good client: Register: %w", rerr)
	}
	if err != nil {
		return false, regLost("ResolveWait", err)
	}
	if addr != "ws://nowhere/" {
		return false, fmt.Errorf("ResolveWait = %q", addr)
	}
	base, err := registry.ConnectBase[struct{}, int](ctx, "elmo", opts)
	if err != nil {
		return false, dialLost("ConnectBase", err)
	}
	defer base.Close()
	for i := range nItems {
		v, err := base.Recv(ctx)
		if err != nil {
			return false, lost("Recv", err)
		}
		if v != i {
			return false, fmt.Errorf("Recv %d: got %d", i, v)
		}
	}
	return true, nil
}

// regLost is lost for the registry's own errors.
func regLost(what string, err error) error {
	if errors.Is(err, registry.ErrLost) {
		return errCut
	}
	return lost(what, err)
}

// dialLost accepts, besides a lost connection, any failure of a dial
// (the WebSocket handshake cut short), but not a hang.
func dialLost(what string, err error) error {
	if e := regLost(what, err); e == errCut || errors.Is(err, context.DeadlineExceeded) {
		return e
	}
	if errors.Is(err, rch.ErrHandshake) || strings.Contains(err.Error(), "dial") {
		return errCut
	}
	return fmt.Errorf("%s: %w; want a dial error or one saying the connection was lost", what, err)
}
