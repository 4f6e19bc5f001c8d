package donehook

import (
	"fmt"
	"testing"
)

// TestAfter: functions registered on an open Done run once, in order, after
// its channel is closed; on a closed one at once; a foreign channel is
// refused unless closed.
func TestAfter(t *testing.T) {
	d := New()
	var got []int
	for i := range 3 {
		if !After(d.C(), func() {
			select {
			case <-d.C():
			default:
				t.Error("called before the channel was closed")
			}
			got = append(got, i)
		}) {
			t.Fatal("After refused a Done's channel")
		}
	}
	if len(got) != 0 {
		t.Fatal("called before Close")
	}
	d.Close()
	d.Close()
	if len(got) != 3 || got[0] != 0 || got[2] != 2 {
		t.Fatalf("calls %v, want [0 1 2] once", got)
	}
	called := false
	if !After(d.C(), func() { called = true }) || !called {
		t.Fatal("After on a closed Done did not call at once")
	}
	open := make(chan struct{})
	if After(open, func() { t.Error("called for a foreign channel") }) {
		t.Fatal("After took a foreign open channel")
	}
	close(open)
	called = false
	if !After(open, func() { called = true }) || !called {
		t.Fatal("After on a closed foreign channel did not call at once")
	}
}

// ExampleAfter shows a Done telling a function of its end, with no
// goroutine waiting on its channel.
func ExampleAfter() {
	d := New()
	After(d.C(), func() { fmt.Println("ended") })
	fmt.Println("closing")
	d.Close()
	// Output:
	// closing
	// ended
}
