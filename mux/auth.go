package mux

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Authentication of WebSocket sessions, server side: the Options.Authorize
// hook runs before the upgrade, and BearerToken is the ready-made hook for
// shared secrets. The client side sends its credentials with
// Options.HTTPHeader.

// authorize runs hook on r. On refusal it answers 401 (with a Bearer
// challenge) or 403 and returns an error matching ErrUnauthorized or
// ErrForbidden. The hook's message stays on this side: the response holds
// the status text only, so a refusal tells a prober nothing.
func authorize(w http.ResponseWriter, r *http.Request, hook func(*http.Request) error) error {
	if hook == nil {
		return nil
	}
	err := hook(r)
	if err == nil {
		return nil
	}
	code, kind := http.StatusUnauthorized, ErrUnauthorized
	if errors.Is(err, ErrForbidden) {
		code, kind = http.StatusForbidden, ErrForbidden
	} else {
		w.Header().Set("WWW-Authenticate", `Bearer realm="telechan"`)
	}
	http.Error(w, http.StatusText(code), code)
	if errors.Is(err, kind) {
		return fmt.Errorf("mux: accept: %w", err)
	}
	return fmt.Errorf("mux: accept: %w: %w", kind, err)
}

// BearerToken returns an [Options].Authorize hook that admits a request
// whose Authorization header is "Bearer <token>" with token one of tokens.
// A request without such a header, or with another token, is refused with
// 401 Unauthorized. Tokens are compared in constant time (as SHA-256
// digests, so neither their content nor their length leaks through
// timing). Several tokens let each robot have its own, and let a token be
// rotated without a moment where none works.
//
// The client sends the header with Options.HTTPHeader. A bearer token is a
// password: serve over TLS (wss://) wherever the network is not trusted.
//
// BearerToken panics if tokens is empty or one of them is empty.
func BearerToken(tokens ...string) func(r *http.Request) error {
	if len(tokens) == 0 {
		panic("mux: BearerToken: no tokens")
	}
	digests := make([][sha256.Size]byte, len(tokens))
	for i, t := range tokens {
		if t == "" {
			panic("mux: BearerToken: empty token")
		}
		digests[i] = sha256.Sum256([]byte(t))
	}
	return func(r *http.Request) error {
		tok, ok := bearer(r.Header.Get("Authorization"))
		if !ok {
			return fmt.Errorf("%w: no bearer token", ErrUnauthorized)
		}
		if !matchDigest(digests, tok) {
			return fmt.Errorf("%w: wrong bearer token", ErrUnauthorized)
		}
		return nil
	}
}

// bearer returns the token of an "Authorization: Bearer <token>" header
// value. The scheme is case-insensitive (RFC 9110, section 11.1).
func bearer(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(h, " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", false
	}
	return tok, true
}

// matchDigest reports whether tok's SHA-256 digest is one of digests. It
// compares with every digest, whatever matches, in constant time.
func matchDigest(digests [][sha256.Size]byte, tok string) bool {
	d := sha256.Sum256([]byte(tok))
	match := 0
	for i := range digests {
		match |= subtle.ConstantTimeCompare(d[:], digests[i][:])
	}
	return match == 1
}
