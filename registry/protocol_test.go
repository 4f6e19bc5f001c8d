package registry_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/telechan/telechan/registry"
)

// TestRcomShapes speaks exactly what rcom's JavaScript and Python clients
// send: no ids, no ttl, answers in order.
func TestRcomShapes(t *testing.T) {
	_, url := startServer(t, nil)
	r := dialRaw(t, url)
	steps := []struct{ send, want string }{
		{`{"request":"register","topic":"elmo","address":"ws://10.0.0.7:45678"}`, `success=true address=ws://10.0.0.7:45678`},
		{`{"request":"get","topic":"elmo"}`, `success=true address=ws://10.0.0.7:45678`},
		{`{"request":"get","topic":"oscar"}`, `success=false`},
		{`{"request":"unregister","topic":"elmo"}`, `success=true`},
		{`{"request":"get","topic":"elmo"}`, `success=false`},
	}
	for _, s := range steps {
		rep := r.do(s.send)
		for _, kv := range strings.Fields(s.want) {
			k, v, _ := strings.Cut(kv, "=")
			if got := toString(rep[k]); got != v {
				t.Fatalf("%s: reply %v, want %s", s.send, rep, s.want)
			}
		}
		if rep["success"] == false && rep["message"] == "" {
			t.Fatalf("%s: failure without a message: %v", s.send, rep)
		}
	}
}

func toString(v any) string {
	switch v := v.(type) {
	case bool:
		if v {
			return "true"
		}
		return "false"
	case string:
		return v
	}
	return ""
}

// TestRawWatchList checks the added requests' shapes from a plain client.
func TestRawWatchList(t *testing.T) {
	_, url := startServer(t, nil)
	r, w := dialRaw(t, url), dialRaw(t, url)
	rep := w.do(`{"request":"watch","prefix":"cam/","id":"w1"}`)
	if rep["success"] != true || rep["id"] != "w1" {
		t.Fatalf("watch reply %v", rep)
	}
	r.do(`{"request":"register","topic":"cam/front","address":"ws://f/","id":7}`)
	ev := w.recv()
	if ev["event"] != "added" || ev["watch"] != "w1" || ev["topic"] != "cam/front" || ev["address"] != "ws://f/" {
		t.Fatalf("event %v", ev)
	}
	rep = r.do(`{"request":"list","prefix":"cam/"}`)
	es, _ := rep["entries"].([]any)
	if rep["success"] != true || len(es) != 1 {
		t.Fatalf("list reply %v", rep)
	}
	rep = r.do(`{"request":"list","prefix":"nothing/"}`)
	if es, ok := rep["entries"].([]any); !ok || len(es) != 0 {
		t.Fatalf("empty list reply %v, want \"entries\":[]", rep)
	}
	r.ws.Close(websocket.StatusNormalClosure, "")
	if ev := w.recv(); ev["event"] != "removed" || ev["topic"] != "cam/front" {
		t.Fatalf("event %v", ev)
	}
	if rep := w.do(`{"request":"unwatch","watch":"w1"}`); rep["success"] != true {
		t.Fatalf("unwatch reply %v", rep)
	}
}

func TestMalformedRequests(t *testing.T) {
	_, url := startServer(t, nil)
	good := dial(t, url)
	if _, err := good.Register(testCtx(t), "elmo", "ws://a/", nil); err != nil {
		t.Fatal(err)
	}
	r := dialRaw(t, url)
	bad := []struct{ send, code string }{
		{`not json`, "bad_request"},
		{`[1,2,3]`, "bad_request"},
		{`{"topic":"elmo"}`, "bad_request"},
		{`{"request":"explode"}`, "bad_request"},
		{`{"request":"register","address":"ws://a/"}`, "bad_request"},
		{`{"request":"register","topic":"x"}`, "bad_request"},
		{`{"request":"register","topic":"x","address":"ws://a/","ttl":-1}`, "bad_request"},
		{`{"request":"register","topic":"` + strings.Repeat("t", 300) + `","address":"ws://a/"}`, "bad_request"},
		{`{"request":"get"}`, "bad_request"},
		{`{"request":"get","topic":7}`, "bad_request"},
		{`{"request":"unregister","topic":"elmo"}`, "not_owner"},
		{`{"request":"renew","topic":"nobody"}`, "not_found"},
		{`{"request":"unwatch","watch":99}`, "bad_request"},
	}
	for _, b := range bad {
		rep := r.do(b.send)
		if rep["success"] != false || rep["error"] != b.code || rep["message"] == "" {
			t.Errorf("%.60s: reply %v, want error %s", b.send, rep, b.code)
		}
	}
	// The connection still works, and so does the other client.
	if rep := r.do(`{"request":"get","topic":"elmo"}`); rep["address"] != "ws://a/" {
		t.Fatalf("get after bad input: %v", rep)
	}
	if _, err := good.Resolve(testCtx(t), "elmo"); err != nil {
		t.Fatal(err)
	}
}

func TestOversizedMessage(t *testing.T) {
	_, url := startServer(t, &registry.ServerOptions{MaxMessageSize: 1024})
	good := dial(t, url)
	r := dialRaw(t, url)
	r.ws.Write(testCtx(t), websocket.MessageText, []byte(`{"request":"get","topic":"`+strings.Repeat("x", 4096)+`"}`))
	_, err := r.tryRecv()
	if st := websocket.CloseStatus(err); st != websocket.StatusMessageTooBig {
		t.Fatalf("after an oversized message: %v (status %v), want close 1009", err, st)
	}
	if _, err := good.List(testCtx(t), ""); err != nil {
		t.Fatalf("other client after the oversized message: %v", err)
	}
}

func TestFloodDisconnected(t *testing.T) {
	_, url := startServer(t, &registry.ServerOptions{RequestRate: 10, RequestBurst: 20})
	good := dial(t, url)
	r := dialRaw(t, url)
	// Send far more than the burst without reading; the server closes
	// with a reason. Writes may start failing once it has.
	for range 200 {
		if r.ws.Write(testCtx(t), websocket.MessageText, []byte(`{"request":"list"}`)) != nil {
			break
		}
	}
	var err error
	for err == nil {
		_, err = r.tryRecv()
	}
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.StatusPolicyViolation || ce.Reason != "too many requests" {
		t.Fatalf("flooding client got %v, want close 1008 \"too many requests\"", err)
	}
	if _, err := good.List(testCtx(t), ""); err != nil {
		t.Fatalf("other client after the flood: %v", err)
	}
}

func TestOriginCheck(t *testing.T) {
	_, url := startServer(t, nil)
	httpURL := "http" + strings.TrimPrefix(url, "ws")
	host := strings.TrimPrefix(httpURL, "http://")
	// Another site's page is refused.
	_, resp, err := websocket.Dial(testCtx(t), url, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"http://evil.example"}}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin dial: %v, %v; want 403", resp, err)
	}
	// The status page's own origin is allowed.
	ws, _, err := websocket.Dial(testCtx(t), url, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"http://" + host}}})
	if err != nil {
		t.Fatalf("same-origin dial: %v", err)
	}
	ws.CloseNow()
	// A listed pattern is allowed.
	_, url2 := startServer(t, &registry.ServerOptions{OriginPatterns: []string{"*.robots.example"}})
	ws, _, err = websocket.Dial(testCtx(t), url2, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://ops.robots.example"}}})
	if err != nil {
		t.Fatalf("allowed-origin dial: %v", err)
	}
	ws.CloseNow()
}

func TestStatusPageHTML(t *testing.T) {
	_, url := startServer(t, nil)
	c := dial(t, url)
	if _, err := c.Register(testCtx(t), "elmo<b>", "ws://10.0.0.7:4000/", nil); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http" + strings.TrimPrefix(url, "ws") + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	if !strings.Contains(string(body), "elmo&lt;b&gt;") || !strings.Contains(string(body), "ws://10.0.0.7:4000/") {
		t.Fatalf("status page lacks the escaped topic:\n%s", body)
	}
	resp2, err := http.Get("http" + strings.TrimPrefix(url, "ws") + "/nothing")
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusNotFound {
		t.Fatalf("GET /nothing: %s", resp2.Status)
	}
}
