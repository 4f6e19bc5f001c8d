package mux_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/telechan/telechan/mux"
)

// acceptServer serves each request with mux.Accept under opts, reports
// Accept's error on errs, and echoes the streams of each session it made
// until the test ends.
func acceptServer(t *testing.T, opts *mux.Options) (url string, client *http.Client, errs chan error) {
	errs = make(chan error, 16)
	hs := newHoldServe(t)
	url, client = wsServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := mux.Accept(w, r, opts)
		errs <- err
		if err != nil {
			return
		}
		defer s.Close()
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		go func() { <-s.Done(); cancel() }()
		hs.serve(ctx, s)
	}))
	return url, client, errs
}

func bearerHeader(tok string) http.Header {
	return http.Header{"Authorization": {"Bearer " + tok}}
}

// TestBearerToken: the right token (either of two, any case of the scheme)
// gets a working session; a missing or wrong one is refused before the
// upgrade, with an error matching ErrUnauthorized on both sides.
func TestBearerToken(t *testing.T) {
	url, client, errs := acceptServer(t, &mux.Options{Authorize: mux.BearerToken("robot-7f3a", "ops-91c2")})
	for _, tc := range []struct {
		name   string
		header http.Header
		ok     bool
	}{
		{"first token", bearerHeader("robot-7f3a"), true},
		{"second token", bearerHeader("ops-91c2"), true},
		{"scheme in lower case", http.Header{"Authorization": {"bearer robot-7f3a"}}, true},
		{"no header", nil, false},
		{"wrong token", bearerHeader("robot-7f3b"), false},
		{"token prefix", bearerHeader("robot"), false},
		{"other scheme", http.Header{"Authorization": {"Basic cm9ib3Q6N2YzYQ=="}}, false},
		{"empty token", http.Header{"Authorization": {"Bearer "}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := mux.Dial(testCtx(t), url, &mux.Options{HTTPClient: client, HTTPHeader: tc.header})
			serverErr := <-errs
			if tc.ok {
				if err != nil || serverErr != nil {
					t.Fatalf("dial with a good token: client %v, server %v", err, serverErr)
				}
				defer s.Close()
				if got, err := roundTrip(testCtx(t), s, []byte("hi")); err != nil || string(got) != "hi" {
					t.Fatalf("roundTrip = %q, %v", got, err)
				}
				return
			}
			if err == nil {
				s.Close()
				t.Fatal("dial without a good token succeeded")
			}
			var he *mux.HandshakeError
			if !errors.Is(err, mux.ErrUnauthorized) || errors.Is(err, mux.ErrForbidden) ||
				!errors.As(err, &he) || he.StatusCode != http.StatusUnauthorized || !strings.Contains(err.Error(), "401") {
				t.Errorf("client error %v (%T), want a HandshakeError 401 matching ErrUnauthorized", err, err)
			}
			if !errors.Is(serverErr, mux.ErrUnauthorized) {
				t.Errorf("server error %v, want one matching ErrUnauthorized", serverErr)
			}
		})
	}
}

// TestRefusalResponse: a refused request is answered with the status text
// only (the hook's reason stays on the server), a Bearer challenge, and no
// upgrade.
func TestRefusalResponse(t *testing.T) {
	url, client, errs := acceptServer(t, &mux.Options{Authorize: mux.BearerToken("s3cret")})
	req, _ := http.NewRequestWithContext(testCtx(t), http.MethodGet, "http"+strings.TrimPrefix(url, "ws"), nil)
	req.Header = bearerHeader("guess")
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("refusal: %s, WWW-Authenticate %q", resp.Status, resp.Header.Get("WWW-Authenticate"))
	}
	if strings.TrimSpace(string(body)) != "Unauthorized" || resp.Header.Get("Upgrade") != "" {
		t.Errorf("refusal body %q, Upgrade %q: want the status text only and no upgrade", body, resp.Header.Get("Upgrade"))
	}
	if err := <-errs; !strings.Contains(err.Error(), "wrong bearer token") {
		t.Errorf("server error %v, want the hook's reason", err)
	}
}

// TestAuthorizeForbidden: a hook that knows the caller but refuses it
// returns ErrForbidden, which makes a 403 on both sides; any other status
// arrives as a HandshakeError that matches neither sentinel.
func TestAuthorizeForbidden(t *testing.T) {
	deny := func(r *http.Request) error {
		return fmt.Errorf("%w: robot %s may not connect here", mux.ErrForbidden, r.Header.Get("X-Robot"))
	}
	url, client, errs := acceptServer(t, &mux.Options{Authorize: deny})
	_, err := mux.Dial(testCtx(t), url, &mux.Options{HTTPClient: client, HTTPHeader: http.Header{"X-Robot": {"elmo"}}})
	var he *mux.HandshakeError
	if !errors.Is(err, mux.ErrForbidden) || errors.Is(err, mux.ErrUnauthorized) || !errors.As(err, &he) || he.StatusCode != 403 {
		t.Errorf("client error %v, want a 403 matching ErrForbidden only", err)
	}
	if err := <-errs; !errors.Is(err, mux.ErrForbidden) || !strings.Contains(err.Error(), "robot elmo") {
		t.Errorf("server error %v", err)
	}

	_, err = mux.Dial(testCtx(t), url+"/../nowhere", &mux.Options{HTTPClient: &http.Client{
		Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: http.StatusNotFound, Body: http.NoBody, Header: http.Header{}}, nil
		}),
	}})
	if !errors.As(err, &he) || he.StatusCode != http.StatusNotFound || errors.Is(err, mux.ErrUnauthorized) || errors.Is(err, mux.ErrForbidden) {
		t.Errorf("404 answer: %v, want a HandshakeError 404 matching no sentinel", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestHandlerAuthorize: through Handler, a refused request never reaches
// the serve function; an admitted one does. Origin checks still apply
// after Authorize.
func TestHandlerAuthorize(t *testing.T) {
	hs := newHoldServe(t)
	url, client := wsServer(t, mux.Handler(hs.serve, &mux.Options{Authorize: mux.BearerToken("s3cret")}))
	if _, err := mux.Dial(testCtx(t), url, &mux.Options{HTTPClient: client}); !errors.Is(err, mux.ErrUnauthorized) {
		t.Fatalf("dial without token: %v", err)
	}
	good := bearerHeader("s3cret")
	s, err := mux.Dial(testCtx(t), url, &mux.Options{HTTPClient: client, HTTPHeader: good})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, err := roundTrip(testCtx(t), s, []byte("in")); err != nil || string(got) != "in" {
		t.Fatalf("roundTrip = %q, %v", got, err)
	}
	evil := bearerHeader("s3cret")
	evil.Set("Origin", "https://evil.example")
	if _, err := mux.Dial(testCtx(t), url, &mux.Options{HTTPClient: client, HTTPHeader: evil}); !errors.Is(err, mux.ErrForbidden) {
		t.Fatalf("good token from a foreign origin: %v, want ErrForbidden", err)
	}
}

// TestOriginSentinels: the origin check is on by default; a foreign page is
// refused with an error matching ErrForbidden, and a listed pattern admits
// it. (TestOriginCheck covers more combinations.)
func TestOriginSentinels(t *testing.T) {
	page := http.Header{"Origin": {"https://ops.robots.example"}}
	hs := newHoldServe(t)
	url, client := wsServer(t, mux.Handler(hs.serve, nil))
	if _, err := mux.Dial(testCtx(t), url, &mux.Options{HTTPClient: client, HTTPHeader: page}); !errors.Is(err, mux.ErrForbidden) {
		t.Fatalf("foreign origin by default: %v, want ErrForbidden", err)
	}
	url, client = wsServer(t, mux.Handler(hs.serve, &mux.Options{OriginPatterns: []string{"*.robots.example"}}))
	s, err := mux.Dial(testCtx(t), url, &mux.Options{HTTPClient: client, HTTPHeader: page})
	if err != nil {
		t.Fatalf("allowed origin: %v", err)
	}
	defer s.Close()
	if got, err := roundTrip(testCtx(t), s, []byte("ok")); err != nil || string(got) != "ok" {
		t.Fatalf("roundTrip = %q, %v", got, err)
	}
}

func TestBearerTokenPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"no tokens":   func() { mux.BearerToken() },
		"empty token": func() { mux.BearerToken("a", "") },
	} {
		func() {
			defer func() {
				if r, _ := recover().(string); !strings.HasPrefix(r, "mux: BearerToken") {
					t.Errorf("%s: recover() = %q, want a mux: BearerToken panic", name, r)
				}
			}()
			f()
		}()
	}
}
