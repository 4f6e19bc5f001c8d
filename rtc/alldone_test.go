package rtc_test

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/telechan/telechan/rfn"
	"github.com/telechan/telechan/rtc"
)

func TestAllDone(t *testing.T) {
	if ch := rtc.AllDone(); !closed(ch) {
		t.Fatal("AllDone() is not closed")
	}
	a, b := make(chan struct{}), make(chan struct{})
	if rtc.AllDone(a, nil) != nil {
		t.Fatal("AllDone with a nil channel is not nil")
	}
	all := rtc.AllDone(a, b)
	close(b)
	if closed(all) {
		t.Fatal("closed before every channel was")
	}
	close(a)
	waitClosed(t, all, "AllDone")
}

// waitClosed fails t unless ch is closed within a while.
func waitClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s never closed", what)
	}
}

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// TestAllDoneOfServedFunctions: over the Done channels of functions served
// here, AllDone waits in no goroutine, closes once the last is served no
// more and not before; a plain channel among them still counts.
func TestAllDoneOfServedFunctions(t *testing.T) {
	f1 := rfn.New(func(context.Context, int) (int, error) { return 1, nil }, nil)
	f2 := rfn.New(func(context.Context, int) (int, error) { return 2, nil }, nil)
	plain := make(chan struct{})
	all := rtc.AllDone(f1.Done(), f2.Done())
	mixed := rtc.AllDone(f1.Done(), plain)
	buf := make([]byte, 1<<20)
	if stacks := string(buf[:runtime.Stack(buf, true)]); strings.Count(stacks, "created by github.com/telechan/telechan/rtc.AllDone") != 1 {
		t.Fatalf("want one goroutine, for the plain channel; stacks:\n%s", stacks)
	}
	f1.Close()
	<-f1.Done()
	if closed(all) {
		t.Fatal("closed while a function is still served")
	}
	f2.Close()
	waitClosed(t, all, "AllDone of served functions")
	if closed(mixed) {
		t.Fatal("closed before the plain channel")
	}
	close(plain)
	waitClosed(t, mixed, "AllDone of a function and a plain channel")
	// A Done already closed counts at once.
	if ch := rtc.AllDone(f1.Done(), f2.Done()); !closed(ch) {
		t.Fatal("AllDone of ended functions is not closed at once")
	}
}
