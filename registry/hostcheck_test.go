package registry_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/telechan/telechan/registry"
)

// TestDNSRebindingRefused: a page on another site whose name was rebound
// to the registry's loopback address can neither read the status page nor
// open the WebSocket; the same requests by IP or localhost work.
func TestDNSRebindingRefused(t *testing.T) {
	_, url := startServer(t, nil)
	addr := strings.TrimPrefix(url, "ws://")
	for _, tc := range []struct {
		host, origin string
		want         int
	}{
		{"evil.example", "", http.StatusForbidden},
		{"evil.example", "http://evil.example", http.StatusForbidden},
		{"127.0.0.1", "", http.StatusOK},
		{"localhost", "http://localhost", http.StatusOK},
	} {
		req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
		_, port, _ := strings.Cut(addr, ":")
		req.Host = tc.host + ":" + port
		if tc.origin != "" {
			req.Header.Set("Origin", tc.origin+":"+port)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("Host %s, Origin %q: status %d, want %d", req.Host, tc.origin, resp.StatusCode, tc.want)
		}
	}
}

func TestAllowedHostsOption(t *testing.T) {
	if _, err := registry.NewServer(&registry.ServerOptions{AllowedHosts: []string{"[x-"}}); err == nil {
		t.Fatal("NewServer accepted a malformed host pattern")
	}
	_, url := startServer(t, &registry.ServerOptions{AllowedHosts: []string{"registry.example"}})
	addr := strings.TrimPrefix(url, "ws://")
	_, port, _ := strings.Cut(addr, ":")
	req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
	req.Host = "registry.example:" + port
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("allowed host: status %d", resp.StatusCode)
	}
}
