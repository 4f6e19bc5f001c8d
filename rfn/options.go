package rfn

// Options configures how a function is served. A nil *Options means all
// defaults, and so does each zero field.
type Options struct {
	// MaxConcurrent is how many calls run at once; further calls wait.
	// Default: 64.
	MaxConcurrent int
	// MaxWaiting is how many calls may wait for a turn; a call beyond
	// that fails at once with kind Overloaded. Default: 16 × MaxConcurrent.
	MaxWaiting int
}

func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	if c.MaxConcurrent <= 0 {
		c.MaxConcurrent = 64
	}
	if c.MaxWaiting <= 0 {
		c.MaxWaiting = 16 * c.MaxConcurrent
	}
	return c
}
