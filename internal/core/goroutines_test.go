package core

import (
	"bytes"
	"runtime"
	"testing"
)

// goid returns the calling goroutine's id, from its stack trace.
func goid() string {
	b := make([]byte, 64)
	b = b[:runtime.Stack(b, false)]
	return string(bytes.Fields(b)[1])
}

// parked reports how many goroutines of w wait for work.
func (w *Workers) parkedCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.parked)
}

// TestWorkersReuse: a function handed to Workers after another has
// finished runs on the same goroutine; after Stop, Go refuses and the
// waiting goroutine ends (goleak, in TestMain, checks that none is left).
func TestWorkersReuse(t *testing.T) {
	var w Workers
	ids := make(chan string, 1)
	if !w.Go(func() { ids <- goid() }) {
		t.Fatal("Go refused before Stop")
	}
	first := <-ids
	for w.parkedCount() == 0 { // the goroutine parks once its function returns
		runtime.Gosched()
	}
	w.Go(func() { ids <- goid() })
	if second := <-ids; second != first {
		t.Errorf("the second function ran on goroutine %s, not on %s, which was waiting", second, first)
	}
	for w.parkedCount() == 0 {
		runtime.Gosched()
	}
	w.Stop()
	w.Stop() // idempotent
	if w.Go(func() { t.Error("ran after Stop") }) {
		t.Error("Go accepted work after Stop")
	}
	w.Wait()
}
