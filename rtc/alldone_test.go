package rtc_test

import (
	"testing"
	"time"

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
	select {
	case <-all:
	case <-time.After(10 * time.Second):
		t.Fatal("never closed")
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
