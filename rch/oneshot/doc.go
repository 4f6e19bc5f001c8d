// Package oneshot provides a remote channel for exactly one value, such as
// the reply to a request: put the [Sender] in the request, wait on the
// [Receiver].
//
// [New] returns a local pair; either half may be sent to a peer inside any
// value sent over an rch connection. A sender closed without sending gives
// the receiver [ErrNoValue]; a sender lost with its connection gives an
// error wrapping rch.ErrDisconnected.
package oneshot
