package etcd_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/telechan/telechan/registry"
)

func startServer(t *testing.T, store registry.Store) string {
	t.Helper()
	srv, err := registry.NewServer(&registry.ServerOptions{Store: store, ConnTTL: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
	})
	return "ws" + strings.TrimPrefix(hs.URL, "http")
}

// TestTwoServersOneEtcd: two registry servers share one etcd. A program
// registers on the first; another resolves and watches on the second; the
// first program is killed and its entry vanishes on both.
func TestTwoServersOneEtcd(t *testing.T) {
	prefix := newPrefix()
	url1, url2 := startServer(t, open(t, prefix)), startServer(t, open(t, prefix))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	// The registering program is a plain WebSocket client, so the test can
	// kill its connection without a goodbye.
	ws, _, err := websocket.Dial(ctx, url1, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	ws.Write(ctx, websocket.MessageText, []byte(`{"request":"register","topic":"robot/elmo","address":"ws://10.0.0.7:4000/"}`))
	if _, b, err := ws.Read(ctx); err != nil || !strings.Contains(string(b), `"success":true`) {
		t.Fatalf("register on server 1: %s, %v", b, err)
	}

	c2, err := registry.Dial(ctx, &registry.Options{Addr: url2})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if addr, err := c2.Resolve(ctx, "robot/elmo"); err != nil || addr != "ws://10.0.0.7:4000/" {
		t.Fatalf("resolve on server 2: %q, %v", addr, err)
	}
	w, err := c2.Watch(ctx, "robot/")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if ev, err := w.Next(ctx); err != nil || ev.Kind != registry.Added || ev.Entry.Topic != "robot/elmo" {
		t.Fatalf("watch snapshot on server 2: %+v, %v", ev, err)
	}
	// A duplicate on the other server is refused too.
	c1, err := registry.Dial(ctx, &registry.Options{Addr: url1})
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	if _, err := c2.Register(ctx, "robot/elmo", "ws://impostor/", nil); !errors.Is(err, registry.ErrTaken) {
		t.Fatalf("duplicate on server 2: %v, want ErrTaken", err)
	}

	killed := time.Now()
	ws.CloseNow()
	ev, err := w.Next(ctx)
	if err != nil || ev.Kind != registry.Removed || ev.Entry.Topic != "robot/elmo" {
		t.Fatalf("watch on server 2 after the kill: %+v, %v", ev, err)
	}
	t.Logf("entry gone on server 2 %v after the kill", time.Since(killed).Round(time.Millisecond))
	for i, c := range []*registry.Client{c1, c2} {
		if _, err := c.Resolve(ctx, "robot/elmo"); !errors.Is(err, registry.ErrNotFound) {
			t.Fatalf("resolve on server %d after the kill: %v, want ErrNotFound", i+1, err)
		}
	}
}

// TestServerDiesEntriesExpire: when a registry server itself goes away
// without revoking (its store's etcd connection is cut), the entries it
// held vanish from the other server within their TTL.
func TestServerDiesEntriesExpire(t *testing.T) {
	prefix := newPrefix()
	store1 := open(t, prefix)
	url1, url2 := startServer(t, store1), startServer(t, open(t, prefix))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	c1, err := registry.Dial(ctx, &registry.Options{Addr: url1})
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	if _, err := c1.Register(ctx, "robot/oscar", "ws://o/", &registry.RegisterOptions{TTL: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	c2, err := registry.Dial(ctx, &registry.Options{Addr: url2})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	w, err := c2.Watch(ctx, "robot/")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Next(ctx)    // the snapshot
	store1.Close() // server 1 loses etcd: nothing renews or revokes
	start := time.Now()
	ev, err := w.Next(ctx)
	if err != nil || ev.Kind != registry.Removed || ev.Entry.Topic != "robot/oscar" {
		t.Fatalf("watch after server 1 lost etcd: %+v, %v", ev, err)
	}
	if d := time.Since(start); d > 6*time.Second {
		t.Fatalf("entry went after %v, want within about its 2s TTL", d)
	}
}
