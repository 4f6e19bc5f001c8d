package registry_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/registry"
)

// tokens: "ops" writes everything, "elmo-7f3a" only robot/elmo/….
var testTokens = map[string][]string{"ops-91c2": nil, "elmo-7f3a": {"robot/elmo/"}}

func dialRawHeader(t *testing.T, url string, h http.Header) *rawConn {
	t.Helper()
	ws, _, err := websocket.Dial(testCtx(t), url, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	return &rawConn{t: t, ws: ws}
}

func wantFailure(t *testing.T, what string, rep map[string]any, code string) {
	t.Helper()
	msg, _ := rep["message"].(string)
	if rep["success"] != false || rep["error"] != code || msg == "" {
		t.Fatalf("%s: reply %v, want {\"success\":false,\"error\":%q,\"message\":…}", what, rep, code)
	}
}

func wantSuccess(t *testing.T, what string, rep map[string]any) {
	t.Helper()
	if rep["success"] != true {
		t.Fatalf("%s: reply %v, want success", what, rep)
	}
}

// TestWriteTokens speaks the raw protocol to a server that requires write
// tokens: refused writes get an "unauthorized" failure and change nothing,
// reads stay open, and the connection and the server go on serving.
func TestWriteTokens(t *testing.T) {
	_, url := startServer(t, &registry.ServerOptions{WriteTokens: testTokens})
	r := dialRaw(t, url)
	reg := `{"request":"register","topic":"robot/elmo/cam","address":"ws://10.0.0.7:4000/"`
	wantFailure(t, "register without a token", r.do(reg+`}`), "unauthorized")
	wantFailure(t, "register with a wrong token", r.do(reg+`,"token":"elmo-7f3b"}`), "unauthorized")
	wantFailure(t, "register outside the token's prefix",
		r.do(`{"request":"register","topic":"robot/oscar/cam","address":"ws://x/","token":"elmo-7f3a"}`), "unauthorized")
	wantFailure(t, "get of a refused topic", r.do(`{"request":"get","topic":"robot/elmo/cam"}`), "not_found")
	wantSuccess(t, "register with the robot's token", r.do(reg+`,"token":"elmo-7f3a"}`))

	// Another connection cannot take the topic over, nor remove it,
	// without a token; reads need none.
	evil := dialRaw(t, url)
	wantFailure(t, "replace without a token",
		evil.do(`{"request":"register","topic":"robot/elmo/cam","address":"ws://evil/","replace":true}`), "unauthorized")
	wantFailure(t, "unregister by another connection", evil.do(`{"request":"unregister","topic":"robot/elmo/cam"}`), "not_owner")
	wantFailure(t, "unregister with a token for other topics",
		evil.do(`{"request":"unregister","topic":"robot/elmo/cam","token":"oscar"}`), "not_owner")
	wantFailure(t, "renew by another connection", evil.do(`{"request":"renew","topic":"robot/elmo/cam"}`), "not_owner")
	if rep := evil.do(`{"request":"get","topic":"robot/elmo/cam"}`); rep["address"] != "ws://10.0.0.7:4000/" {
		t.Fatalf("get after refused writes: %v", rep)
	}
	if rep := evil.do(`{"request":"list","prefix":"robot/"}`); rep["success"] != true {
		t.Fatalf("list without a token: %v", rep)
	}

	// The holder renews and unregisters without a token.
	wantSuccess(t, "renew by the holder", r.do(`{"request":"renew","topic":"robot/elmo/cam"}`))
	wantSuccess(t, "unregister by the holder", r.do(`{"request":"unregister","topic":"robot/elmo/cam"}`))

	// An operator's token removes someone else's topic.
	wantSuccess(t, "register again", r.do(reg+`,"token":"elmo-7f3a"}`))
	ops := dialRaw(t, url)
	wantSuccess(t, "unregister with the ops token", ops.do(`{"request":"unregister","topic":"robot/elmo/cam","token":"ops-91c2"}`))
	wantFailure(t, "get after the ops unregister", ops.do(`{"request":"get","topic":"robot/elmo/cam"}`), "not_found")
	wantFailure(t, "the old holder renews", r.do(`{"request":"renew","topic":"robot/elmo/cam"}`), "not_found")
	wantSuccess(t, "replace with the ops token",
		ops.do(`{"request":"register","topic":"robot/elmo/cam","address":"ws://spare/","token":"ops-91c2","replace":true}`))
}

// TestWriteTokenHeader: a bearer token on the upgrade covers the
// connection's registrations, but removing another's topic needs the token
// in the request itself.
func TestWriteTokenHeader(t *testing.T) {
	_, url := startServer(t, &registry.ServerOptions{WriteTokens: testTokens})
	holder := dialRawHeader(t, url, http.Header{"Authorization": {"Bearer elmo-7f3a"}})
	wantSuccess(t, "register with a bearer header", holder.do(`{"request":"register","topic":"robot/elmo/arm","address":"ws://a/"}`))
	wantFailure(t, "register outside the header token's prefix",
		holder.do(`{"request":"register","topic":"robot/oscar/arm","address":"ws://a/"}`), "unauthorized")
	ops := dialRawHeader(t, url, http.Header{"Authorization": {"Bearer ops-91c2"}})
	wantFailure(t, "unregister another's topic with the header token only",
		ops.do(`{"request":"unregister","topic":"robot/elmo/arm"}`), "not_owner")
	wantSuccess(t, "unregister another's topic with the token in the request",
		ops.do(`{"request":"unregister","topic":"robot/elmo/arm","token":"ops-91c2"}`))
	// A wrong header token is no token: the connection is open for reads.
	guess := dialRawHeader(t, url, http.Header{"Authorization": {"Bearer guess"}})
	wantFailure(t, "register with a wrong header token",
		guess.do(`{"request":"register","topic":"robot/elmo/arm","address":"ws://a/"}`), "unauthorized")
	wantSuccess(t, "list with a wrong header token", guess.do(`{"request":"list"}`))
}

// TestClientToken: the Go client sends Options.Token (or
// $TELECHAN_REGISTRY_TOKEN); without it Register fails with
// ErrUnauthorized, and with an operator token Unregister clears another
// client's topic, whose Lease then ends.
func TestClientToken(t *testing.T) {
	_, url := startServer(t, &registry.ServerOptions{WriteTokens: testTokens, MinTTL: 50 * time.Millisecond})
	anon := dial(t, url)
	if _, err := anon.Register(testCtx(t), "robot/elmo/cam", "ws://a/", nil); !errors.Is(err, registry.ErrUnauthorized) {
		t.Fatalf("Register without a token: %v, want ErrUnauthorized", err)
	}
	robot, err := registry.Dial(testCtx(t), &registry.Options{Addr: url, Token: "elmo-7f3a"})
	if err != nil {
		t.Fatal(err)
	}
	defer robot.Close()
	lease, err := robot.Register(testCtx(t), "robot/elmo/cam", "ws://a/", &registry.RegisterOptions{TTL: 150 * time.Millisecond})
	if err != nil {
		t.Fatalf("Register with the robot's token: %v", err)
	}
	if _, err := robot.Register(testCtx(t), "robot/oscar/cam", "ws://a/", nil); !errors.Is(err, registry.ErrUnauthorized) {
		t.Fatalf("Register outside the token's prefix: %v, want ErrUnauthorized", err)
	}
	if err := anon.Unregister(testCtx(t), "robot/elmo/cam"); !errors.Is(err, registry.ErrNotOwner) {
		t.Fatalf("Unregister of another's topic without a token: %v, want ErrNotOwner", err)
	}

	t.Setenv(registry.EnvToken, "ops-91c2")
	ops := dial(t, url) // the token comes from the environment
	if err := ops.Unregister(testCtx(t), "robot/elmo/cam"); err != nil {
		t.Fatalf("Unregister with the ops token: %v", err)
	}
	select {
	case <-lease.Done():
		if !errors.Is(lease.Err(), registry.ErrNotFound) {
			t.Fatalf("removed lease ended with %v, want ErrNotFound", lease.Err())
		}
	case <-testCtx(t).Done():
		t.Fatal("the lease of a removed topic did not end")
	}
	if err := lease.Close(); err != nil {
		t.Fatalf("Close of an ended lease: %v", err)
	}
}

// TestLeaseCloseNeverRemovesAnother: a Lease closed after its topic was
// taken over does not remove the new holder's entry, even when its client
// holds a token that could.
func TestLeaseCloseNeverRemovesAnother(t *testing.T) {
	_, url := startServer(t, &registry.ServerOptions{WriteTokens: testTokens})
	first, err := registry.Dial(testCtx(t), &registry.Options{Addr: url, Token: "ops-91c2"})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	second, err := registry.Dial(testCtx(t), &registry.Options{Addr: url, Token: "ops-91c2"})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	old, err := first.Register(testCtx(t), "robot/elmo/cam", "ws://old/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := second.Register(testCtx(t), "robot/elmo/cam", "ws://new/", &registry.RegisterOptions{Replace: true}); err != nil {
		t.Fatal(err)
	}
	old.Close()
	if addr, err := second.Resolve(testCtx(t), "robot/elmo/cam"); err != nil || addr != "ws://new/" {
		t.Fatalf("after the old lease closed: %q, %v; want the new holder's entry", addr, err)
	}
}

// TestAuthorizeReads: with ServerOptions.Authorize, reads need a token too;
// a write token also opens the connection, and a refused dial says why.
func TestAuthorizeReads(t *testing.T) {
	_, url := startServer(t, &registry.ServerOptions{WriteTokens: testTokens, Authorize: mux.BearerToken("reader-5b1e")})
	_, err := registry.Dial(testCtx(t), &registry.Options{Addr: url})
	var he *mux.HandshakeError
	if !errors.Is(err, registry.ErrUnauthorized) || !errors.Is(err, mux.ErrUnauthorized) || !errors.As(err, &he) || he.StatusCode != 401 {
		t.Fatalf("Dial without a token: %v, want ErrUnauthorized and a 401", err)
	}
	reader, err := registry.Dial(testCtx(t), &registry.Options{Addr: url, HTTPHeader: http.Header{"Authorization": {"Bearer reader-5b1e"}}})
	if err != nil {
		t.Fatalf("Dial with a read token: %v", err)
	}
	defer reader.Close()
	if _, err := reader.List(testCtx(t), ""); err != nil {
		t.Fatalf("List with a read token: %v", err)
	}
	if _, err := reader.Register(testCtx(t), "robot/elmo/cam", "ws://a/", nil); !errors.Is(err, registry.ErrUnauthorized) {
		t.Fatalf("Register with a read token: %v, want ErrUnauthorized", err)
	}
	robot, err := registry.Dial(testCtx(t), &registry.Options{Addr: url, Token: "elmo-7f3a"})
	if err != nil {
		t.Fatalf("Dial with a write token: %v", err)
	}
	defer robot.Close()
	if _, err := robot.Register(testCtx(t), "robot/elmo/cam", "ws://a/", nil); err != nil {
		t.Fatalf("Register with a write token: %v", err)
	}
	resp, err := http.Get("http" + strings.TrimPrefix(url, "ws") + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status page without a token: %s, want 401", resp.Status)
	}
}

func TestEmptyWriteToken(t *testing.T) {
	if _, err := registry.NewServer(&registry.ServerOptions{WriteTokens: map[string][]string{" ": nil}}); err == nil {
		t.Fatal("NewServer accepted an empty write token")
	}
}
