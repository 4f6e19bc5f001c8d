package bench

import "time"

// Config sizes a run: how long each measurement lasts and how often it is
// repeated. The zero Config is not useful; start from [Full], [Quick] or
// [Tiny].
type Config struct {
	// Runs is how many times each repeatable measurement runs; the figure
	// reported is the median.
	Runs int

	// Warmup runs before a bulk or call-rate window opens, and Window is
	// how long that window lasts.
	Warmup, Window time.Duration

	// LAN and FourG size the head-of-line measurements on each link.
	LAN, FourG HOLConfig

	// CodecWindow is how long each codec runs encode+decode rounds.
	CodecWindow time.Duration

	// Channels is how many idle channels, and Conns how many idle
	// connections, the memory figures open.
	Channels, Conns int

	// BusyConns is how many connections the many-connections call figure
	// spreads its calls over.
	BusyConns int
}

// HOLConfig sizes one head-of-line measurement: Warmup lets the bulk
// transfer fill the link's buffers, Unloaded measures bulk alone, Loaded
// measures bulk and control round trips together.
type HOLConfig struct {
	Warmup, Unloaded, Loaded time.Duration
}

// Full is the configuration of make bench: a few minutes in all.
func Full() Config {
	return Config{
		Runs: 5, Warmup: 300 * time.Millisecond, Window: time.Second,
		LAN:         HOLConfig{Warmup: 500 * time.Millisecond, Unloaded: time.Second, Loaded: 2 * time.Second},
		FourG:       HOLConfig{Warmup: 3 * time.Second, Unloaded: 1500 * time.Millisecond, Loaded: 4 * time.Second},
		CodecWindow: time.Second,
		Channels:    2000, Conns: 200,
		BusyConns: 1000,
	}
}

// Quick is the configuration of make bench-quick: every figure once, in
// well under a minute.
func Quick() Config {
	return Config{
		Runs: 1, Warmup: 100 * time.Millisecond, Window: 300 * time.Millisecond,
		LAN:         HOLConfig{Warmup: 200 * time.Millisecond, Unloaded: 300 * time.Millisecond, Loaded: 500 * time.Millisecond},
		FourG:       HOLConfig{Warmup: 2500 * time.Millisecond, Unloaded: 700 * time.Millisecond, Loaded: 2500 * time.Millisecond},
		CodecWindow: 200 * time.Millisecond,
		Channels:    500, Conns: 50,
		BusyConns: 200,
	}
}

// Tiny runs every measurement once at a size that only proves it works:
// the smoke test's configuration. Its figures mean nothing.
func Tiny() Config {
	return Config{
		Runs: 1, Warmup: 10 * time.Millisecond, Window: 30 * time.Millisecond,
		LAN:         HOLConfig{Warmup: 20 * time.Millisecond, Unloaded: 30 * time.Millisecond, Loaded: 50 * time.Millisecond},
		FourG:       HOLConfig{Warmup: 150 * time.Millisecond, Unloaded: 50 * time.Millisecond, Loaded: 150 * time.Millisecond},
		CodecWindow: 10 * time.Millisecond,
		Channels:    20, Conns: 3,
		BusyConns: 4,
	}
}
