package rfn

// WaitsForReplies reports whether the holder f still takes replies: it has
// called, and its reply channel has not ended.
func WaitsForReplies[A, R any](f *Func[A, R]) bool {
	f.mu.Lock()
	done := f.dispatch
	f.mu.Unlock()
	if done == nil {
		return false
	}
	select {
	case <-done:
		return false
	default:
		return true
	}
}
