package core

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/telechan/telechan/codec"
)

// Config is the resolved form of rch.Options.
type Config struct {
	Codecs            []codec.Codec
	MaxItemSize       int
	PortHeaderTimeout time.Duration
	HandshakeTimeout  time.Duration
	ClaimTimeout      time.Duration
	MaxPortOpens      int
	MaxMemory         int
	MaxQueue          int
	MaxRing           int
	MaxRefs           int
	Logger            *slog.Logger
}

// Defaults of Config.
const (
	DefaultMaxItemSize       = 16 << 20
	DefaultPortHeaderTimeout = 10 * time.Second
	DefaultHandshakeTimeout  = 10 * time.Second
	DefaultClaimTimeout      = 30 * time.Second
	DefaultMaxPortOpens      = 64
	DefaultMaxMemory         = 64 << 20
	DefaultMaxQueue          = 1024
	DefaultMaxRing           = 1024
	DefaultMaxRefs           = 1024
	maxItemSizeLimit         = 1<<31 - 1
)

// WithDefaults returns a copy of cfg with zero fields set to their defaults,
// or an error for values that cannot work.
func (cfg Config) WithDefaults() (Config, error) {
	if len(cfg.Codecs) == 0 {
		cfg.Codecs = []codec.Codec{codec.CBOR, codec.JSON}
	}
	for _, c := range cfg.Codecs {
		if c == nil {
			return cfg, fmt.Errorf("rch: nil codec in Options.Codecs")
		}
	}
	if cfg.MaxItemSize == 0 {
		cfg.MaxItemSize = DefaultMaxItemSize
	}
	if cfg.MaxItemSize < 0 || cfg.MaxItemSize > maxItemSizeLimit {
		return cfg, fmt.Errorf("rch: Options.MaxItemSize %d out of range", cfg.MaxItemSize)
	}
	if cfg.PortHeaderTimeout <= 0 {
		cfg.PortHeaderTimeout = DefaultPortHeaderTimeout
	}
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if cfg.ClaimTimeout <= 0 {
		cfg.ClaimTimeout = DefaultClaimTimeout
	}
	if cfg.MaxPortOpens <= 0 {
		cfg.MaxPortOpens = DefaultMaxPortOpens
	}
	setDefault(&cfg.MaxMemory, DefaultMaxMemory)
	setDefault(&cfg.MaxQueue, DefaultMaxQueue)
	setDefault(&cfg.MaxRing, DefaultMaxRing)
	setDefault(&cfg.MaxRefs, DefaultMaxRefs)
	if cfg.MaxMemory < 0 || cfg.MaxQueue < 0 || cfg.MaxRing < 0 || cfg.MaxRefs < 0 {
		return cfg, fmt.Errorf("rch: negative limit in Options")
	}
	if cfg.MaxItemSize > cfg.MaxMemory/2 {
		return cfg, fmt.Errorf("rch: Options.MaxItemSize %d is more than half of MaxMemory %d: an item must fit the share of the budget each direction has", cfg.MaxItemSize, cfg.MaxMemory)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return cfg, nil
}

func setDefault(p *int, def int) {
	if *p == 0 {
		*p = def
	}
}
