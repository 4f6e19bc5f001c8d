package registry_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/telechan/telechan/registry"
)

// FuzzServerRequest sends one arbitrary message to a live server on a
// fresh connection: the answer must be a JSON reply or a close with a
// reason, and the server must go on serving another client.
func FuzzServerRequest(f *testing.F) {
	for _, s := range []string{
		`{"request":"register","topic":"elmo","address":"ws://a/"}`,
		`{"request":"register","topic":"elmo","address":"ws://a/","ttl":1e308,"replace":true}`,
		`{"request":"get","topic":"elmo","wait":0.001,"id":{"x":[1]}}`,
		`{"request":"watch","prefix":"","id":null}`,
		`{"request":"unwatch","watch":"x"}`,
		`{"request":"list","prefix":"\u0000"}`,
		`{"request":"renew","topic":"\ud800"}`,
		`{"request":"unregister","topic":""}`,
		`{"request":"register","topic":"x","address":"y","ttl":-0}`,
		`{"request":1}`, `null`, `"str"`, `{`, ``, "\xff\xfe",
	} {
		f.Add([]byte(s))
	}
	srv, err := registry.NewServer(&registry.ServerOptions{MaxWait: 10 * time.Millisecond, MaxMessageSize: 4096, RequestRate: 1e9, RequestBurst: 1e9})
	if err != nil {
		f.Fatal(err)
	}
	_, url := startServerWith(f, srv)
	health, err := registry.Dial(context.Background(), &registry.Options{Addr: url})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { health.Close() })
	f.Fuzz(func(t *testing.T, msg []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow()
		if err := ws.Write(ctx, websocket.MessageText, msg); err != nil {
			t.Fatal(err)
		}
		_, b, err := ws.Read(ctx)
		switch {
		case err != nil && websocket.CloseStatus(err) == websocket.StatusMessageTooBig:
		case err != nil:
			t.Fatalf("no reply to %q: %v", msg, err)
		default:
			var rep map[string]any
			if json.Unmarshal(b, &rep) != nil {
				t.Fatalf("reply %q to %q is not JSON", b, msg)
			}
			if _, ok := rep["success"].(bool); !ok {
				t.Fatalf("reply %s to %q has no success field", b, msg)
			}
		}
		if _, err := health.List(ctx, ""); err != nil {
			t.Fatalf("server stopped serving after %q: %v", msg, err)
		}
	})
}
