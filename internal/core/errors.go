package core

import (
	"errors"
	"fmt"
)

// The errors a channel operation reports. Package rch re-exports them; they
// carry its prefix because that is where users meet them.
var (
	// ErrClosed: the channel was closed, by its other half (a receiver that
	// closed, seen by senders) or by this half's own Close.
	ErrClosed = errors.New("rch: channel closed")
	// ErrDropped: the other half went away without being closed.
	ErrDropped = errors.New("rch: other half dropped without closing")
	// ErrDisconnected: the connection carrying the channel was lost.
	ErrDisconnected = errors.New("rch: connection lost")
	// ErrTooLarge: an encoded item exceeds the item size limit.
	ErrTooLarge = errors.New("rch: item too large")
	// ErrDecode: an item could not be decoded; the channel stays usable.
	ErrDecode = errors.New("rch: cannot decode item")
	// ErrMoved: the half was sent to a peer and can no longer be used here.
	ErrMoved = errors.New("rch: half was sent away")
	// ErrHandshake: the peers could not agree on a protocol.
	ErrHandshake = errors.New("rch: handshake failed")
)

// disconnected wraps cause as a lost connection.
func disconnected(cause error) error {
	if cause == nil || errors.Is(cause, ErrDisconnected) {
		if cause == nil {
			return ErrDisconnected
		}
		return cause
	}
	return fmt.Errorf("%w: %w", ErrDisconnected, cause)
}
