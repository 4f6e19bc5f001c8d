package rtc

// AllDone returns a channel that is closed once every one of chs is closed.
// Generated clients use it for Done: a served implementation is done once
// every method's rfn.Func is served no more, that is once every client
// holding it, here or on any peer, has closed or gone.
//
// With no channels it returns a closed channel. If any channel is nil (a
// Func received from a peer has no Done) it returns nil, which is never
// ready, and starts nothing. Otherwise one goroutine waits for the channels
// in turn and ends as soon as the last is closed, so it lives exactly as
// long as the slowest of them.
func AllDone(chs ...<-chan struct{}) <-chan struct{} {
	for _, ch := range chs {
		if ch == nil {
			return nil
		}
	}
	out := make(chan struct{})
	if len(chs) == 0 {
		close(out)
		return out
	}
	chs = append([]<-chan struct{}(nil), chs...)
	go func() {
		defer close(out)
		for _, ch := range chs {
			<-ch
		}
	}()
	return out
}
