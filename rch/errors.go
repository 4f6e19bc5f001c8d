package rch

import "github.com/telechan/telechan/internal/core"

// The errors of remote channels. Test for them with errors.Is: an error
// that wraps ErrDisconnected also wraps the cause the connection reported.
var (
	// ErrClosed: the channel was closed, by the receiving half (as seen by
	// its senders) or by this half's own Close.
	ErrClosed = core.ErrClosed
	// ErrDropped: the other half went away without being closed, e.g. the
	// message carrying it could not be decoded by the peer.
	ErrDropped = core.ErrDropped
	// ErrDisconnected: the connection carrying the channel was lost, here or
	// further along a chain of forwarding peers.
	ErrDisconnected = core.ErrDisconnected
	// ErrTooLarge: an encoded item exceeds the item size limit. It concerns
	// that item only.
	ErrTooLarge = core.ErrTooLarge
	// ErrDecode: an item could not be decoded. It concerns that item only.
	ErrDecode = core.ErrDecode
	// ErrNotDelivered: an item sent earlier on the channel did not reach
	// the receiver (a forwarding peer could not pass it on, or the receiver
	// found it too large or could not decode it). The next Send on the
	// channel returns it, wrapping why (ErrTooLarge, ErrDecode), and does
	// not send its own value; the channel goes on. The receiver got an item
	// error in the lost item's place.
	ErrNotDelivered = core.ErrNotDelivered
	// ErrMoved: the half was sent to a peer and can no longer be used here.
	ErrMoved = core.ErrMoved
	// ErrHandshake: the peers could not agree on a protocol version or a
	// codec, or the peer does not speak telechan.
	ErrHandshake = core.ErrHandshake
)
