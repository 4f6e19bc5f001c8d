package codec

// Unregister removes a codec added by a test, so that tests and examples see the same registry.
func Unregister(name string) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	delete(registry.codecs, name)
}
