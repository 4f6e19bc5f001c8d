package mux

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/yamux"
)

func TestOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
		ok   bool
	}{
		{"zero", Options{}, true},
		{"keepalive disabled", Options{KeepAliveInterval: -1}, true},
		{"frame size bounds", Options{FrameSize: 1 << 10, StreamWindow: 1 << 20}, true},
		{"max frame size", Options{FrameSize: 256 << 10}, true},
		{"origin patterns", Options{OriginPatterns: []string{"*.example.com", "https://a.example"}}, true},
		{"negative timeout", Options{KeepAliveTimeout: -1}, false},
		{"negative backlog", Options{AcceptBacklog: -1}, false},
		{"frame too small", Options{FrameSize: 1023}, false},
		{"frame too large", Options{FrameSize: 256<<10 + 1}, false},
		{"negative frame", Options{FrameSize: -1}, false},
		{"window too small", Options{StreamWindow: 1 << 10}, false},
		{"skip verify with patterns", Options{InsecureSkipVerify: true, OriginPatterns: []string{"a"}}, false},
		{"bad pattern", Options{OriginPatterns: []string{"[a-"}}, false},
	} {
		err := tc.o.validate()
		if (err == nil) != tc.ok {
			t.Errorf("%s: validate() = %v, want ok=%v", tc.name, err, tc.ok)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "mux: ") {
			t.Errorf("%s: error %q lacks the mux: prefix", tc.name, err)
		}
	}
}

func TestOptionsDefaultsAndCopy(t *testing.T) {
	var nilOpts *Options
	o, err := nilOpts.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	want := Options{
		KeepAliveInterval: 15 * time.Second,
		KeepAliveTimeout:  10 * time.Second,
		AcceptBacklog:     256,
		FrameSize:         16 << 10,
		StreamWindow:      256 << 10,
	}
	if o.KeepAliveInterval != want.KeepAliveInterval || o.KeepAliveTimeout != want.KeepAliveTimeout ||
		o.AcceptBacklog != want.AcceptBacklog || o.FrameSize != want.FrameSize || o.StreamWindow != want.StreamWindow {
		t.Errorf("defaults %+v, want %+v", o, want)
	}
	if err := yamux.VerifyConfig(o.yamuxConfig(false)); err != nil {
		t.Errorf("yamux rejects the default config: %v", err)
	}

	orig := &Options{OriginPatterns: []string{"a.example"}, HTTPHeader: http.Header{"X": {"1"}}}
	c, err := orig.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	orig.OriginPatterns[0] = "changed"
	orig.HTTPHeader.Set("X", "2")
	if c.OriginPatterns[0] != "a.example" || c.HTTPHeader.Get("X") != "1" {
		t.Error("withDefaults shares slices or maps with the caller's Options")
	}
}

func TestYamuxLogger(t *testing.T) {
	for _, tc := range []struct {
		line  string
		level slog.Level
		msg   string
	}{
		{"[ERR] yamux: Failed to write header: boom", slog.LevelError, "yamux: Failed to write header: boom"},
		{"[WARN] yamux: frame for missing stream", slog.LevelWarn, "yamux: frame for missing stream"},
		{"[DEBUG] x", slog.LevelDebug, "x"},
		{"untagged\n", slog.LevelInfo, "untagged"},
	} {
		level, msg := parseYamuxLine(tc.line)
		if level != tc.level || msg != tc.msg {
			t.Errorf("%q: got %v %q, want %v %q", tc.line, level, msg, tc.level, tc.msg)
		}
	}

	var buf bytes.Buffer
	l := yamuxLogger{slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	l.Printf("[WARN] yamux: %s %d", "backlog exceeded", 3)
	if got := buf.String(); !strings.Contains(got, "level=WARN") || !strings.Contains(got, `msg="yamux: backlog exceeded 3"`) {
		t.Errorf("logged %q", got)
	}
	o, err := (&Options{Logger: l.l}).withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	cfg := o.yamuxConfig(false)
	if cfg.LogOutput != nil || cfg.Logger == nil {
		t.Error("yamux config with a Logger must not have a LogOutput")
	}
	if err := yamux.VerifyConfig(cfg); err != nil {
		t.Error(err)
	}
}
