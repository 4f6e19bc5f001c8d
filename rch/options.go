package rch

import (
	"log/slog"
	"time"

	"github.com/telechan/telechan/codec"
	"github.com/telechan/telechan/internal/core"
)

// Options configures a connection. A nil *Options means all defaults, and
// so does each zero field.
type Options struct {
	// Codecs are the codecs this side accepts, preferred first. The client
	// proposes them in this order and the server picks the first it also
	// accepts. Default: codec.CBOR, then codec.JSON.
	Codecs []codec.Codec

	// MaxItemSize is the largest encoded item, in bytes, that this side
	// accepts. A sender refuses items larger than the peer's limit (learnt
	// in the handshake) or its own; a receiver reports larger ones as
	// ErrTooLarge and skips them. Default: 16 MiB.
	MaxItemSize int

	// HandshakeTimeout bounds the handshake, whatever the context passed to
	// Connect allows, so that a peer that opens a session and says nothing
	// cannot hold it. Default: 10 s.
	HandshakeTimeout time.Duration

	// ClaimTimeout bounds how long receiving a channel half may wait for
	// the peer to accept the stream that claims it. A peer that accepts no
	// stream for that long is broken or hostile: the connection is closed
	// and Recv reports ErrDisconnected. Default: 30 s.
	ClaimTimeout time.Duration

	// Logger receives the connection's diagnostics. Default: discarded.
	Logger *slog.Logger
}

func (o *Options) config() core.Config {
	if o == nil {
		return core.Config{}
	}
	return core.Config{
		Codecs:           o.Codecs,
		MaxItemSize:      o.MaxItemSize,
		HandshakeTimeout: o.HandshakeTimeout,
		ClaimTimeout:     o.ClaimTimeout,
		Logger:           o.Logger,
	}
}
