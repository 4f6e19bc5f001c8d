package registry

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/telechan/telechan/mux"
)

// Write tokens: who may change which topics. The rules, specified in
// docs/REGISTRY.md: with ServerOptions.WriteTokens set, register needs a
// token whose prefixes cover the topic, given in the request's "token" field
// or as "Authorization: Bearer" on the WebSocket upgrade; unregister needs
// either to be the holder or such a token in the request's own "token"
// field; renew needs to be the holder.

// tokenSet holds the write tokens as SHA-256 digests, each with the topic
// prefixes it may write. The zero value (no tokens) lets anyone write.
type tokenSet struct {
	digests  [][sha256.Size]byte
	prefixes [][]string // nil or containing "": every topic
}

func newTokenSet(m map[string][]string) (tokenSet, error) {
	var ts tokenSet
	for tok, prefixes := range m {
		if strings.TrimSpace(tok) == "" {
			return tokenSet{}, errors.New("registry: WriteTokens holds an empty token")
		}
		ts.digests = append(ts.digests, sha256.Sum256([]byte(tok)))
		ts.prefixes = append(ts.prefixes, append([]string(nil), prefixes...))
	}
	return ts, nil
}

// enabled reports whether writes need a token.
func (ts tokenSet) enabled() bool { return len(ts.digests) > 0 }

// lookup returns the prefixes of tok, or ok false for an unknown token. It
// compares tok's digest with every token's, whichever matches, so its time
// does not depend on tok.
func (ts tokenSet) lookup(tok string) (prefixes []string, ok bool) {
	if tok == "" {
		return nil, false
	}
	d := sha256.Sum256([]byte(tok))
	found := -1
	for i := range ts.digests {
		if subtle.ConstantTimeCompare(d[:], ts.digests[i][:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return nil, false
	}
	return ts.prefixes[found], true
}

// grant is what one presented token allows.
type grant struct {
	ok       bool
	prefixes []string
}

func (ts tokenSet) grant(tok string) grant {
	p, ok := ts.lookup(tok)
	return grant{ok: ok, prefixes: p}
}

// covers reports whether g allows writing topic.
func (g grant) covers(topic string) bool {
	if !g.ok {
		return false
	}
	if len(g.prefixes) == 0 {
		return true
	}
	for _, p := range g.prefixes {
		if strings.HasPrefix(topic, p) {
			return true
		}
	}
	return false
}

// mayWrite reports whether req may write its topic on connection c: true
// when the server has no tokens, or when the request's token or the
// connection's bearer token covers the topic.
func (c *serverConn) mayWrite(req request) bool {
	ts := c.s.tokens
	return !ts.enabled() || c.bearer.covers(req.Topic) || ts.grant(req.Token).covers(req.Topic)
}

// errNeedToken is the failure of a write that no token allows. It says the
// same whether a token was missing, unknown or for other topics.
func errNeedToken(op, topic string) error {
	return fmt.Errorf("%w: %s %q needs a write token for that topic", ErrUnauthorized, op, topic)
}

// bearerToken returns the token of an "Authorization: Bearer <token>"
// header of r, or "".
func bearerToken(r *http.Request) string {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// authorize runs ServerOptions.Authorize on r, unless r carries a write
// token in its Authorization header (a write token also grants reads). On
// refusal it answers 401 or 403, as mux does, and returns false.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) bool {
	if s.opts.Authorize == nil || s.tokens.grant(bearerToken(r)).ok {
		return true
	}
	err := s.opts.Authorize(r)
	if err == nil {
		return true
	}
	s.opts.Logger.Debug("registry: refused", "remote", r.RemoteAddr, "err", err)
	code := http.StatusUnauthorized
	if errors.Is(err, mux.ErrForbidden) {
		code = http.StatusForbidden
	} else {
		w.Header().Set("WWW-Authenticate", `Bearer realm="telechan registry"`)
	}
	http.Error(w, http.StatusText(code), code)
	return false
}
