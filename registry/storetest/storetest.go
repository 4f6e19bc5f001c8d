// Package storetest checks that an implementation of registry.Store
// behaves as the registry server expects. Both the in-memory store and the
// etcd store run it.
package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/telechan/telechan/registry"
)

// Timeout bounds each step that waits for the store.
const Timeout = 15 * time.Second

// Run runs the suite. newStore returns a fresh, empty store for each
// subtest (or one whose topics share no prefix with other subtests'); Run
// closes it at the end of the subtest.
func Run(t *testing.T, newStore func(t *testing.T) registry.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s registry.Store)
	}{
		{"PutGetDelete", testPutGetDelete},
		{"Taken", testTaken},
		{"NotOwner", testNotOwner},
		{"Revoke", testRevoke},
		{"Expiry", testExpiry},
		{"KeepAlive", testKeepAlive},
		{"Watch", testWatch},
		{"ListPrefix", testListPrefix},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			defer s.Close()
			tt.fn(t, s)
		})
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), Timeout)
	t.Cleanup(cancel)
	return ctx
}

func grant(t *testing.T, s registry.Store, ttl time.Duration) registry.LeaseID {
	t.Helper()
	id, err := s.Grant(ctxT(t), ttl)
	if err != nil {
		t.Fatalf("Grant: %v", err)
	}
	return id
}

func put(t *testing.T, s registry.Store, topic, addr string, id registry.LeaseID, replace bool) error {
	t.Helper()
	return s.Put(ctxT(t), registry.Entry{Topic: topic, Address: addr, Since: time.Now()}, id, replace)
}

func wantAddr(t *testing.T, s registry.Store, topic, addr string) {
	t.Helper()
	e, err := s.Get(ctxT(t), topic)
	if err != nil || e.Address != addr {
		t.Fatalf("Get(%q) = %+v, %v; want address %q", topic, e, err, addr)
	}
}

func wantGone(t *testing.T, s registry.Store, topic string) {
	t.Helper()
	if e, err := s.Get(ctxT(t), topic); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("Get(%q) = %+v, %v; want ErrNotFound", topic, e, err)
	}
}

func testPutGetDelete(t *testing.T, s registry.Store) {
	id := grant(t, s, 10*time.Second)
	if err := put(t, s, "pgd/elmo", "ws://a/", id, false); err != nil {
		t.Fatal(err)
	}
	wantAddr(t, s, "pgd/elmo", "ws://a/")
	if e, _ := s.Get(ctxT(t), "pgd/elmo"); e.Lease != id {
		t.Fatalf("Get reports lease %v, want %v", e.Lease, id)
	}
	// The same lease may update its own entry.
	if err := put(t, s, "pgd/elmo", "ws://b/", id, false); err != nil {
		t.Fatalf("re-put by the owner: %v", err)
	}
	wantAddr(t, s, "pgd/elmo", "ws://b/")
	if err := s.Delete(ctxT(t), "pgd/elmo", id); err != nil {
		t.Fatal(err)
	}
	wantGone(t, s, "pgd/elmo")
	if err := s.Delete(ctxT(t), "pgd/elmo", id); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("second Delete: %v, want ErrNotFound", err)
	}
	if err := s.KeepAlive(ctxT(t), id); err != nil {
		t.Fatalf("KeepAlive after Delete: %v (the lease outlives its entries)", err)
	}
}

func testTaken(t *testing.T, s registry.Store) {
	a, b := grant(t, s, 10*time.Second), grant(t, s, 10*time.Second)
	if err := put(t, s, "taken/elmo", "ws://a/", a, false); err != nil {
		t.Fatal(err)
	}
	if err := put(t, s, "taken/elmo", "ws://b/", b, false); !errors.Is(err, registry.ErrTaken) {
		t.Fatalf("Put over a live lease: %v, want ErrTaken", err)
	}
	wantAddr(t, s, "taken/elmo", "ws://a/")
	if err := put(t, s, "taken/elmo", "ws://b/", b, true); err != nil {
		t.Fatalf("Put with replace: %v", err)
	}
	wantAddr(t, s, "taken/elmo", "ws://b/")
	// Revoking the old lease must not remove the entry that moved away.
	if err := s.Revoke(ctxT(t), a); err != nil {
		t.Fatal(err)
	}
	wantAddr(t, s, "taken/elmo", "ws://b/")
}

func testNotOwner(t *testing.T, s registry.Store) {
	a, b := grant(t, s, 10*time.Second), grant(t, s, 10*time.Second)
	if err := put(t, s, "owner/elmo", "ws://a/", a, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctxT(t), "owner/elmo", b); !errors.Is(err, registry.ErrNotOwner) {
		t.Fatalf("Delete by another lease: %v, want ErrNotOwner", err)
	}
	wantAddr(t, s, "owner/elmo", "ws://a/")
}

func testRevoke(t *testing.T, s registry.Store) {
	id := grant(t, s, 10*time.Second)
	for _, topic := range []string{"revoke/a", "revoke/b"} {
		if err := put(t, s, topic, "ws://x/", id, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Revoke(ctxT(t), id); err != nil {
		t.Fatal(err)
	}
	wantGone(t, s, "revoke/a")
	wantGone(t, s, "revoke/b")
	if err := s.KeepAlive(ctxT(t), id); !errors.Is(err, registry.ErrNoLease) {
		t.Fatalf("KeepAlive of a revoked lease: %v, want ErrNoLease", err)
	}
	if err := put(t, s, "revoke/c", "ws://x/", id, false); err == nil {
		t.Fatal("Put under a revoked lease succeeded")
	}
	if err := s.Revoke(ctxT(t), id); err != nil {
		t.Fatalf("second Revoke: %v", err)
	}
}

// waitEvent returns the next event on ch, failing after Timeout.
func waitEvent(t *testing.T, ch <-chan registry.Event) registry.Event {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("watch channel closed")
		}
		return ev
	case <-time.After(Timeout):
		t.Fatal("no watch event within", Timeout)
	}
	panic("unreachable")
}

func testExpiry(t *testing.T, s registry.Store) {
	ctx := ctxT(t)
	_, ch, err := s.Watch(ctx, "expiry/")
	if err != nil {
		t.Fatal(err)
	}
	id := grant(t, s, time.Second)
	start := time.Now()
	if err := put(t, s, "expiry/elmo", "ws://a/", id, false); err != nil {
		t.Fatal(err)
	}
	if ev := waitEvent(t, ch); ev.Kind != registry.Added {
		t.Fatalf("first event %+v, want added", ev)
	}
	ev := waitEvent(t, ch)
	if ev.Kind != registry.Removed || ev.Entry.Topic != "expiry/elmo" {
		t.Fatalf("event %+v, want removed expiry/elmo", ev)
	}
	t.Logf("entry with a 1s lease expired after %v", time.Since(start).Round(time.Millisecond))
	wantGone(t, s, "expiry/elmo")
	if err := s.KeepAlive(ctxT(t), id); !errors.Is(err, registry.ErrNoLease) {
		t.Fatalf("KeepAlive of an expired lease: %v, want ErrNoLease", err)
	}
}

func testKeepAlive(t *testing.T, s registry.Store) {
	const ttl = 2 * time.Second
	id := grant(t, s, ttl)
	if err := put(t, s, "keep/elmo", "ws://a/", id, false); err != nil {
		t.Fatal(err)
	}
	// Renew for twice the TTL; the entry must stay.
	tick := time.NewTicker(ttl / 4)
	defer tick.Stop()
	for end := time.Now().Add(2 * ttl); time.Now().Before(end); {
		<-tick.C
		if err := s.KeepAlive(ctxT(t), id); err != nil {
			t.Fatalf("KeepAlive: %v", err)
		}
	}
	wantAddr(t, s, "keep/elmo", "ws://a/")
}

func testWatch(t *testing.T, s registry.Store) {
	id := grant(t, s, 10*time.Second)
	if err := put(t, s, "watch/a", "ws://a/", id, false); err != nil {
		t.Fatal(err)
	}
	snap, ch, err := s.Watch(ctxT(t), "watch/")
	if err != nil {
		t.Fatal(err)
	}
	if len(snap) != 1 || snap[0].Topic != "watch/a" || snap[0].Address != "ws://a/" {
		t.Fatalf("snapshot %+v, want watch/a", snap)
	}
	if err := put(t, s, "other/x", "ws://x/", id, false); err != nil {
		t.Fatal(err)
	}
	if err := put(t, s, "watch/b", "ws://b/", id, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctxT(t), "watch/a", id); err != nil {
		t.Fatal(err)
	}
	want := []registry.Event{
		{Kind: registry.Added, Entry: registry.Entry{Topic: "watch/b", Address: "ws://b/"}},
		{Kind: registry.Removed, Entry: registry.Entry{Topic: "watch/a"}},
	}
	for _, w := range want {
		ev := waitEvent(t, ch)
		if ev.Kind != w.Kind || ev.Entry.Topic != w.Entry.Topic || (w.Entry.Address != "" && ev.Entry.Address != w.Entry.Address) {
			t.Fatalf("event %+v, want %+v", ev, w)
		}
	}
}

func testListPrefix(t *testing.T, s registry.Store) {
	id := grant(t, s, 10*time.Second)
	for _, topic := range []string{"list/b", "list/a", "lister", "other"} {
		if err := put(t, s, topic, "ws://"+topic+"/", id, false); err != nil {
			t.Fatal(err)
		}
	}
	es, err := s.List(ctxT(t), "list/")
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].Topic != "list/a" || es[1].Topic != "list/b" || es[0].Address != "ws://list/a/" {
		t.Fatalf("List(list/) = %+v, want list/a, list/b", es)
	}
	if es[0].TTL <= 0 || es[0].Since.IsZero() {
		t.Fatalf("List entry %+v lacks TTL or Since", es[0])
	}
}
