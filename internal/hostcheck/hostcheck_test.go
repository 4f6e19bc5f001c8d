package hostcheck_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/telechan/telechan/internal/hostcheck"
)

func TestAllowed(t *testing.T) {
	c, err := hostcheck.New([]string{"robot.example.com", "*.fleet.example"})
	if err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]bool{
		"127.0.0.1":            true,
		"[::1]":                true,
		"192.168.1.5":          true,
		"localhost":            true,
		"LOCALHOST.":           true,
		"rover.localhost":      true,
		"robot.example.com":    true,
		"a.fleet.example":      true,
		"evil.example":         false,
		"localhost.evil.com":   false,
		"robot.example.com.ev": false,
		"fleet.example":        false,
	} {
		if got := c.Allowed(host); got != want {
			t.Errorf("Allowed(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestNewRejectsMalformedPattern(t *testing.T) {
	if _, err := hostcheck.New([]string{"[a-"}); err == nil {
		t.Fatal("New accepted a malformed pattern")
	}
}

// request returns a request as one arriving on a listener at local.
func request(local net.Addr, host string, h http.Header) *http.Request {
	r := httptest.NewRequest("GET", "http://"+host+"/", nil)
	r.Host = host
	for k, v := range h {
		r.Header[k] = v
	}
	return r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, local))
}

func TestCheck(t *testing.T) {
	loop := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4000}
	lan := &net.TCPAddr{IP: net.IPv4(192, 168, 1, 5), Port: 4000}
	browser := http.Header{"Origin": {"http://evil.example:4000"}}
	fetch := http.Header{"Sec-Fetch-Site": {"same-origin"}}
	c, _ := hostcheck.New(nil)
	for _, tc := range []struct {
		name  string
		local net.Addr
		host  string
		h     http.Header
		ok    bool
	}{
		{"loopback, program, IP", loop, "127.0.0.1:4000", nil, true},
		{"loopback, program, localhost", loop, "localhost:4000", nil, true},
		{"loopback, program, other name", loop, "evil.example:4000", nil, false},
		{"loopback, rebinding page", loop, "evil.example:4000", browser, false},
		{"loopback, same-origin fetch of a rebound name", loop, "evil.example:4000", fetch, false},
		{"lan, program by name", lan, "robot.example.com:4000", nil, true},
		{"lan, rebinding page", lan, "evil.example:4000", browser, false},
		{"lan, page on the IP", lan, "192.168.1.5:4000", browser, true},
	} {
		err := c.Check(request(tc.local, tc.host, tc.h))
		if (err == nil) != tc.ok {
			t.Errorf("%s: Check = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
	off, _ := hostcheck.New([]string{"*"})
	if err := off.Check(request(loop, "evil.example:4000", browser)); err != nil {
		t.Errorf(`"*" should turn the check off: %v`, err)
	}
}
