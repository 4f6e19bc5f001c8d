package rfn

import "log/slog"

// Options configures how a function is served. A nil *Options means all
// defaults, and so does each zero field.
type Options struct {
	// Name names the function in what its callers and its log see, e.g.
	// "Monster.JumpAround" (rtcgen sets it for each method). Default
	// "function".
	Name string
	// Logger receives what the callers must not see: the value and stack
	// of a panic in the function. Default: discarded.
	Logger *slog.Logger
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
	if c.Name == "" {
		c.Name = "function"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
