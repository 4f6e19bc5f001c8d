package registry_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/telechan/telechan/registry"
)

const testTimeout = 20 * time.Second

// startServer runs a registry server on loopback and returns its ws:// URL.
func startServer(t *testing.T, opts *registry.ServerOptions) (*registry.Server, string) {
	t.Helper()
	srv, err := registry.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	return startServerWith(t, srv)
}

func startServerWith(t testing.TB, srv *registry.Server) (*registry.Server, string) {
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
	})
	return srv, "ws" + strings.TrimPrefix(hs.URL, "http")
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

func dial(t *testing.T, url string) *registry.Client {
	t.Helper()
	c, err := registry.Dial(testCtx(t), &registry.Options{Addr: url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// rawConn is a plain WebSocket client speaking JSON, as a browser or an
// rcom script would.
type rawConn struct {
	t  *testing.T
	ws *websocket.Conn
}

func dialRaw(t *testing.T, url string) *rawConn {
	t.Helper()
	ws, _, err := websocket.Dial(testCtx(t), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	return &rawConn{t: t, ws: ws}
}

func (r *rawConn) sendText(s string) {
	r.t.Helper()
	if err := r.ws.Write(testCtx(r.t), websocket.MessageText, []byte(s)); err != nil {
		r.t.Fatalf("write %s: %v", s, err)
	}
}

// recv reads one message as a generic JSON object.
func (r *rawConn) recv() map[string]any {
	r.t.Helper()
	m, err := r.tryRecv()
	if err != nil {
		r.t.Fatalf("read: %v", err)
	}
	return m
}

func (r *rawConn) tryRecv() (map[string]any, error) {
	_, b, err := r.ws.Read(testCtx(r.t))
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		r.t.Fatalf("reply %s is not JSON: %v", b, err)
	}
	return m, nil
}

// do sends one request and returns the reply.
func (r *rawConn) do(s string) map[string]any {
	r.t.Helper()
	r.sendText(s)
	return r.recv()
}

// nextEvent returns the next event of w, failing after testTimeout.
func nextEvent(t *testing.T, w *registry.Watch) registry.Event {
	t.Helper()
	ev, err := w.Next(testCtx(t))
	if err != nil {
		t.Fatalf("Watch.Next: %v", err)
	}
	return ev
}
