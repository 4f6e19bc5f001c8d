package rchtest

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"
)

// WaitBlockedIn waits until a goroutine started by the running test blocks
// in a select inside a function whose name contains fn (e.g.
// "core.(*Slot["), so that what the test does next reaches a waiter rather
// than racing it. It fails the test when ctx ends first.
func WaitBlockedIn(ctx context.Context, t *testing.T, fn string) {
	t.Helper()
	test, _, _ := strings.Cut(t.Name(), "/")
	buf := make([]byte, 1<<20)
	for {
		for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
			if strings.Contains(g, "[select]") && strings.Contains(g, fn) && strings.Contains(g, test) {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no goroutine blocked in %s", fn)
		case <-time.After(time.Millisecond):
		}
	}
}
