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

	// MaxMemory bounds what the connection holds for its peer, in bytes:
	// half of it for what the peer sent that the application has not
	// taken yet (items queued on every channel, values in broadcast rings
	// and watch slots), half for what the application sent that the peer
	// has not read yet. With a half full, reading from the peer waits
	// (the peer's further bytes stay in its streams' windows) or Send
	// waits, as on a slow link; nothing is lost. Broadcast rings push out
	// their oldest values instead (subscribers learn of a lag). Decoding
	// an item into interface values that would cost more than a half is
	// refused (ErrTooLarge). MaxItemSize may be at most half of it.
	// Default: 64 MiB. See docs/SECURITY.md for what else bounds memory.
	MaxMemory int

	// MaxQueue bounds the buffer, in items, of a channel half received
	// from the peer (mpsc, oneshot, bin, rfn): the capacity the peer asks
	// for is a request, clamped to this. Default: 1024.
	MaxQueue int

	// MaxRing is MaxQueue for the ring of a broadcast half received from
	// the peer. Default: 1024.
	MaxRing int

	// MaxRefs bounds the channel halves one received item may hold; an
	// item with more is refused (ErrDecode) without being decoded, and
	// its halves are rejected. Default: 1024.
	MaxRefs int

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
		MaxMemory:        o.MaxMemory,
		MaxQueue:         o.MaxQueue,
		MaxRing:          o.MaxRing,
		MaxRefs:          o.MaxRefs,
		Logger:           o.Logger,
	}
}
