package core

import (
	"errors"
	"io"
	"runtime"
	"testing"
	"time"
)

// TestSilentStreamsAreClosed: a peer opens many streams and never says
// which port it claims. At most MaxPortOpens of them wait at once, and each
// is closed once its header timeout passes.
func TestSilentStreamsAreClosed(t *testing.T) {
	ctx := testCtx(t)
	cfg := Config{PortHeaderTimeout: 200 * time.Millisecond, MaxPortOpens: 8}
	c, s, _, _, _, _ := pair[int](t, Config{}, cfg)
	before := runtime.NumGoroutine()
	const n = 40
	streams := make([]io.ReadCloser, 0, n)
	for range n {
		st, err := c.sess.Open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		streams = append(streams, st)
	}
	if g := runtime.NumGoroutine() - before; g > 2*cfg.MaxPortOpens+16 {
		t.Errorf("%d silent streams grew the goroutine count by %d", n, g)
	}
	for i, st := range streams {
		buf := make([]byte, 1)
		if _, err := st.Read(buf); !errors.Is(err, io.EOF) {
			t.Fatalf("silent stream %d: read %v, want io.EOF once the server closes it", i, err)
		}
		st.Close()
	}
	_ = s
}
