package mux_test

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/telechan/telechan/mux"
)

// upgradeStatus sends a WebSocket upgrade request for host to the server
// at addr by hand, as a browser would, and returns the response status.
func upgradeStatus(t *testing.T, addr, host, origin string) int {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	req := "GET / HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	if origin != "" {
		req += "Origin: " + origin + "\r\n"
	}
	if _, err := c.Write([]byte(req + "\r\n")); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestDNSRebindingRefused: a page on evil.example whose name was rebound
// to 127.0.0.1 sends Host and Origin of its own site, which pass the
// same-origin check; the Host check refuses it before the upgrade.
func TestDNSRebindingRefused(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   *mux.Options
		host   string
		origin string
		want   int
	}{
		{"rebound page", nil, "evil.example:PORT", "http://evil.example:PORT", http.StatusForbidden},
		{"rebound name, no Origin", nil, "evil.example:PORT", "", http.StatusForbidden},
		{"page on 127.0.0.1", nil, "127.0.0.1:PORT", "http://127.0.0.1:PORT", http.StatusSwitchingProtocols},
		{"page on localhost", nil, "localhost:PORT", "http://localhost:PORT", http.StatusSwitchingProtocols},
		{"program", nil, "127.0.0.1:PORT", "", http.StatusSwitchingProtocols},
		{"allowed name", &mux.Options{AllowedHosts: []string{"rover.example"}}, "rover.example:PORT", "http://rover.example:PORT", http.StatusSwitchingProtocols},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(mux.Handler(func(context.Context, *mux.Session) {}, tc.opts))
			t.Cleanup(srv.Close)
			addr := srv.Listener.Addr().String()
			_, port, _ := net.SplitHostPort(addr)
			fill := func(s string) string { return strings.ReplaceAll(s, "PORT", port) }
			if got := upgradeStatus(t, addr, fill(tc.host), fill(tc.origin)); got != tc.want {
				t.Fatalf("status %d, want %d", got, tc.want)
			}
		})
	}
}

func TestAllowedHostsMalformed(t *testing.T) {
	if _, err := mux.Dial(testCtx(t), "ws://127.0.0.1:1/", &mux.Options{AllowedHosts: []string{"[x-"}}); err == nil || !strings.Contains(err.Error(), "AllowedHosts") {
		t.Fatalf("Dial with a malformed pattern: %v", err)
	}
}
