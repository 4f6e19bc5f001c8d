// Package hostcheck defeats DNS rebinding for the project's HTTP servers
// (mux.Handler and mux.Accept, registry.Server).
//
// DNS rebinding: a page on evil.example makes the visitor's browser resolve
// evil.example to 127.0.0.1 (or to a robot's LAN address), then talks to
// the server there as its own origin. Its requests carry
// "Host: evil.example:PORT" and "Origin: http://evil.example:PORT", so the
// same-origin check passes. What gives the attack away is the Host: a name
// the server does not serve. A Checker admits a request only when its Host
// is one that cannot be rebound or that the server was told it serves:
//
//   - an IP literal (127.0.0.1, [::1], 192.168.1.5): no DNS is involved;
//   - localhost or a name under .localhost, which browsers resolve to the
//     loopback address themselves (RFC 6761), never through DNS;
//   - a name that matches one of the allowed patterns (path.Match syntax,
//     e.g. "robot.example.com" or "*.fleet.example").
//
// Which requests are checked: on a loopback listener, every request (a
// server that listens on 127.0.0.1 is only ever reached by those names);
// on any other listener, requests that come from a browser (they carry an
// Origin or a Sec-Fetch-* header), because programs are not subject to
// rebinding and may dial a server by any name that resolves to it.
package hostcheck

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"path"
	"strings"
)

// Checker decides whether a request's Host may be served.
type Checker struct {
	patterns []string
	any      bool
}

// New returns a Checker allowing the host patterns given, besides IP
// literals and localhost. A pattern "*" allows every host, which turns the
// check off. It fails on a malformed pattern.
func New(patterns []string) (*Checker, error) {
	c := &Checker{}
	for _, p := range patterns {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "*" {
			c.any = true
		}
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("host pattern %q: %w", p, err)
		}
		c.patterns = append(c.patterns, p)
	}
	return c, nil
}

// ErrHost is returned by Check for a Host the server does not serve.
var ErrHost = errors.New("host not allowed (possible DNS rebinding)")

// Check returns nil if r may be served, and an error wrapping ErrHost if
// its Host header names a host the server was not told it serves.
func (c *Checker) Check(r *http.Request) error {
	if c.any || !(fromBrowser(r) || onLoopback(r)) {
		return nil
	}
	host := hostOnly(r.Host)
	if c.Allowed(host) {
		return nil
	}
	return fmt.Errorf("%w: %q", ErrHost, host)
}

// Allowed reports whether host (without a port) is an IP literal,
// localhost, or matches one of c's patterns.
func (c *Checker) Allowed(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return true
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	for _, p := range c.patterns {
		if ok, _ := path.Match(p, host); ok {
			return true
		}
	}
	return c.any
}

// fromBrowser reports whether r carries the headers only browsers send.
func fromBrowser(r *http.Request) bool {
	return r.Header.Get("Origin") != "" || r.Header.Get("Sec-Fetch-Site") != "" || r.Header.Get("Sec-Fetch-Mode") != ""
}

// onLoopback reports whether r came in on a loopback listener.
func onLoopback(r *http.Request) bool {
	a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return false
	}
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// hostOnly strips the port from a Host header value.
func hostOnly(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		return host
	}
	return h
}
