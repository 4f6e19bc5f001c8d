package rtc

import (
	"sync/atomic"

	"github.com/telechan/telechan/internal/donehook"
)

// AllDone returns a channel that is closed once every one of chs is closed.
// Generated clients use it for Done: a served implementation is done once
// every method's rfn.Func is served no more, that is once every client
// holding it, here or on any peer, has closed or gone.
//
// With no channels it returns a closed channel. If any channel is nil (a
// Func received from a peer has no Done) it returns nil, which is never
// ready, and starts nothing. The Done channels of functions served here
// tell AllDone of their end themselves, so waiting for them takes no
// goroutine; for any other channel one goroutine waits, for those only,
// and ends as soon as the last of them is closed.
func AllDone(chs ...<-chan struct{}) <-chan struct{} {
	for _, ch := range chs {
		if ch == nil {
			return nil
		}
	}
	out := make(chan struct{})
	left := new(atomic.Int64)
	left.Store(int64(len(chs)) + 1) // one for the registering itself
	one := func() {
		if left.Add(-1) == 0 {
			close(out)
		}
	}
	var others []<-chan struct{}
	for _, ch := range chs {
		if !donehook.After(ch, one) {
			others = append(others, ch)
		}
	}
	if len(others) > 0 {
		go func() {
			for _, ch := range others {
				<-ch
				one()
			}
		}()
	}
	one()
	return out
}
