package registry_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/telechan/telechan/registry"
)

func TestRegisterResolveUnregister(t *testing.T) {
	_, url := startServer(t, nil)
	a, b := dial(t, url), dial(t, url)
	ctx := testCtx(t)
	l, err := a.Register(ctx, "elmo", "ws://10.0.0.7:4000/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if l.TTL() != 10*time.Second {
		t.Errorf("TTL = %v, want the default 10s", l.TTL())
	}
	addr, err := b.Resolve(ctx, "elmo")
	if err != nil || addr != "ws://10.0.0.7:4000/" {
		t.Fatalf("Resolve = %q, %v", addr, err)
	}
	es, err := b.List(ctx, "el")
	if err != nil || len(es) != 1 || es[0].Topic != "elmo" || es[0].Since.IsZero() {
		t.Fatalf("List = %+v, %v", es, err)
	}
	if err := b.Unregister(ctx, "elmo"); !errors.Is(err, registry.ErrNotOwner) {
		t.Fatalf("Unregister by another client: %v, want ErrNotOwner", err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("Lease.Close: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("second Lease.Close: %v", err)
	}
	if _, err := b.Resolve(ctx, "elmo"); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("Resolve after Close: %v, want ErrNotFound", err)
	}
	if err := a.Unregister(ctx, "elmo"); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("Unregister of a gone topic: %v, want ErrNotFound", err)
	}
}

func TestDuplicateRefused(t *testing.T) {
	_, url := startServer(t, nil)
	a, b := dial(t, url), dial(t, url)
	ctx := testCtx(t)
	if _, err := a.Register(ctx, "elmo", "ws://a/", nil); err != nil {
		t.Fatal(err)
	}
	_, err := b.Register(ctx, "elmo", "ws://b/", nil)
	if !errors.Is(err, registry.ErrTaken) {
		t.Fatalf("duplicate Register: %v, want ErrTaken", err)
	}
	t.Logf("refusal reads: %v", err)
	if addr, _ := b.Resolve(ctx, "elmo"); addr != "ws://a/" {
		t.Fatalf("after the refusal elmo is at %q, want ws://a/", addr)
	}
	if _, err := b.Register(ctx, "elmo", "ws://b/", &registry.RegisterOptions{Replace: true}); err != nil {
		t.Fatalf("Register with Replace: %v", err)
	}
	if addr, _ := a.Resolve(ctx, "elmo"); addr != "ws://b/" {
		t.Fatalf("after replace elmo is at %q, want ws://b/", addr)
	}
	// The first owner cannot take it back without asking to replace.
	if _, err := a.Register(ctx, "elmo", "ws://a2/", nil); !errors.Is(err, registry.ErrTaken) {
		t.Fatalf("re-register by the replaced owner: %v, want ErrTaken", err)
	}
	// The first client's disconnection must not remove the new owner's entry.
	a.Close()
	if addr, err := b.Resolve(ctx, "elmo"); addr != "ws://b/" {
		t.Fatalf("after the old owner left, elmo = %q, %v", addr, err)
	}
}

func TestLeaseEndsOnDisconnect(t *testing.T) {
	_, url := startServer(t, nil)
	a, b := dial(t, url), dial(t, url)
	ctx := testCtx(t)
	if _, err := a.Register(ctx, "robot/elmo", "ws://a/", nil); err != nil {
		t.Fatal(err)
	}
	w, err := b.Watch(ctx, "robot/")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if ev := nextEvent(t, w); ev.Kind != registry.Added || ev.Entry.Topic != "robot/elmo" {
		t.Fatalf("snapshot event %+v", ev)
	}
	a.Close() // the registering program goes away
	if ev := nextEvent(t, w); ev.Kind != registry.Removed || ev.Entry.Topic != "robot/elmo" {
		t.Fatalf("event %+v, want removed robot/elmo", ev)
	}
	if _, err := b.Resolve(ctx, "robot/elmo"); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("Resolve: %v, want ErrNotFound", err)
	}
}

func TestLeaseExpiresWithoutRenewal(t *testing.T) {
	_, url := startServer(t, nil)
	b := dial(t, url)
	w, err := b.Watch(testCtx(t), "")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// A raw client registers with a 1 s TTL and never renews, but stays
	// connected: the entry must go anyway.
	r := dialRaw(t, url)
	start := time.Now()
	rep := r.do(`{"request":"register","topic":"elmo","address":"ws://a/","ttl":1}`)
	if rep["success"] != true || rep["ttl"] != 1.0 {
		t.Fatalf("register reply %v", rep)
	}
	if ev := nextEvent(t, w); ev.Kind != registry.Added {
		t.Fatalf("event %+v", ev)
	}
	if ev := nextEvent(t, w); ev.Kind != registry.Removed || ev.Entry.Topic != "elmo" {
		t.Fatalf("event %+v, want removed elmo", ev)
	}
	if d := time.Since(start); d < time.Second || d > 5*time.Second {
		t.Fatalf("entry vanished after %v, want about 1s", d)
	}
	rep = r.do(`{"request":"renew","topic":"elmo"}`)
	if rep["success"] != false || rep["error"] != "no_lease" {
		t.Fatalf("late renew reply %v, want no_lease", rep)
	}
}

func TestLeaseRenews(t *testing.T) {
	_, url := startServer(t, nil)
	a, b := dial(t, url), dial(t, url)
	ctx := testCtx(t)
	l, err := a.Register(ctx, "elmo", "ws://a/", &registry.RegisterOptions{TTL: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	w, err := b.Watch(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	nextEvent(t, w) // the snapshot
	// Two TTLs pass: the client's renewals must keep the entry.
	wctx, cancel := context.WithTimeout(ctx, 4*time.Second)
	defer cancel()
	if ev, err := w.Next(wctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("event %+v, %v while the lease was renewed", ev, err)
	}
	if l.Err() != nil {
		t.Fatalf("lease ended: %v", l.Err())
	}
}

func TestResolveWait(t *testing.T) {
	_, url := startServer(t, nil)
	a, b := dial(t, url), dial(t, url)
	done := make(chan error, 1)
	go func() {
		<-time.After(time.Second) // the scenario: elmo comes up 1 s later
		_, err := a.Register(testCtx(t), "elmo", "ws://late/", nil)
		done <- err
	}()
	ctx, cancel := context.WithTimeout(testCtx(t), 10*time.Second)
	defer cancel()
	start := time.Now()
	addr, err := b.ResolveWait(ctx, "elmo")
	if err != nil || addr != "ws://late/" {
		t.Fatalf("ResolveWait = %q, %v", addr, err)
	}
	t.Logf("resolved after %v", time.Since(start).Round(time.Millisecond))
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	short, cancel2 := context.WithTimeout(testCtx(t), 300*time.Millisecond)
	defer cancel2()
	if _, err := b.ResolveWait(short, "nobody"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ResolveWait for an absent topic: %v, want context.DeadlineExceeded", err)
	}
	// The client is still usable after the abandoned wait.
	if addr, err := b.Resolve(testCtx(t), "elmo"); err != nil || addr != "ws://late/" {
		t.Fatalf("Resolve = %q, %v", addr, err)
	}
}

func TestWatchEvents(t *testing.T) {
	_, url := startServer(t, nil)
	a, b := dial(t, url), dial(t, url)
	ctx := testCtx(t)
	if _, err := a.Register(ctx, "cam/front", "ws://f/", nil); err != nil {
		t.Fatal(err)
	}
	w, err := b.Watch(ctx, "cam/")
	if err != nil {
		t.Fatal(err)
	}
	back, err := a.Register(ctx, "cam/back", "ws://b/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Register(ctx, "arm", "ws://arm/", nil); err != nil {
		t.Fatal(err)
	}
	back.Close()
	want := []registry.Event{
		{Kind: registry.Added, Entry: registry.Entry{Topic: "cam/front", Address: "ws://f/"}},
		{Kind: registry.Added, Entry: registry.Entry{Topic: "cam/back", Address: "ws://b/"}},
		{Kind: registry.Removed, Entry: registry.Entry{Topic: "cam/back", Address: "ws://b/"}},
	}
	for _, wt := range want {
		ev := nextEvent(t, w)
		if ev.Kind != wt.Kind || ev.Entry.Topic != wt.Entry.Topic || ev.Entry.Address != wt.Entry.Address {
			t.Fatalf("event %+v, want %+v", ev, wt)
		}
	}
	w.Close()
	if _, err := w.Next(ctx); !errors.Is(err, registry.ErrClosed) {
		t.Fatalf("Next after Close: %v, want ErrClosed", err)
	}
	// The connection goes on after the watch ended.
	if _, err := b.List(ctx, ""); err != nil {
		t.Fatal(err)
	}
}

func TestClientCloseEndsWaiters(t *testing.T) {
	_, url := startServer(t, nil)
	c, err := registry.Dial(testCtx(t), &registry.Options{Addr: url})
	if err != nil {
		t.Fatal(err)
	}
	l, err := c.Register(testCtx(t), "elmo", "ws://a/", nil)
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := c.ResolveWait(testCtx(t), "never")
		errc <- err
	}()
	c.Close()
	if err := <-errc; !errors.Is(err, registry.ErrClosed) {
		t.Fatalf("ResolveWait after Close: %v, want ErrClosed", err)
	}
	<-l.Done()
	if !errors.Is(l.Err(), registry.ErrClosed) {
		t.Fatalf("lease error %v, want ErrClosed", l.Err())
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestServerCloseDisconnectsClients(t *testing.T) {
	srv, url := startServer(t, nil)
	c := dial(t, url)
	if _, err := c.Register(testCtx(t), "elmo", "ws://a/", nil); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	<-c.Done()
	if !errors.Is(c.Err(), registry.ErrLost) {
		t.Fatalf("client error %v, want ErrLost", c.Err())
	}
	if _, err := c.Resolve(testCtx(t), "elmo"); !errors.Is(err, registry.ErrLost) {
		t.Fatalf("Resolve after server Close: %v, want ErrLost", err)
	}
}

func TestEnvAddr(t *testing.T) {
	_, url := startServer(t, nil)
	t.Setenv(registry.EnvAddr, url)
	c, err := registry.Dial(testCtx(t), nil)
	if err != nil {
		t.Fatalf("Dial with %s=%s: %v", registry.EnvAddr, url, err)
	}
	defer c.Close()
	if c.Addr() != url {
		t.Fatalf("Addr = %q, want %q", c.Addr(), url)
	}
}

func TestReplacedLeaseEnds(t *testing.T) {
	_, url := startServer(t, nil)
	a, b := dial(t, url), dial(t, url)
	ctx := testCtx(t)
	la, err := a.Register(ctx, "elmo", "ws://a/", &registry.RegisterOptions{TTL: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Register(ctx, "elmo", "ws://b/", &registry.RegisterOptions{Replace: true}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-la.Done():
	case <-ctx.Done():
		t.Fatal("the replaced lease did not end")
	}
	if !errors.Is(la.Err(), registry.ErrNotOwner) {
		t.Fatalf("replaced lease error %v, want ErrNotOwner", la.Err())
	}
	if err := la.Close(); err != nil {
		t.Fatalf("Close of the replaced lease: %v", err)
	}
	if addr, _ := a.Resolve(ctx, "elmo"); addr != "ws://b/" {
		t.Fatalf("elmo at %q after the old lease closed, want ws://b/", addr)
	}
}
