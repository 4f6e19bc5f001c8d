// Package watch provides a remote channel that holds one value, the
// latest: robot status, pose, battery. A stale update has no value.
//
// The [Sender] never waits: Send replaces the value however slow the
// receivers or the link. A [Receiver] sees the current value when it
// starts, then each change; values replaced before it looked are skipped,
// but the final value before the sender closes is always delivered, then
// io.EOF. Receivers can be cloned; the sender learns when every receiver is
// gone (rch.ErrClosed).
//
// [New] returns a local pair; either half may be sent to a peer inside any
// message sent over an rch connection, and forwarded further. Over a
// connection, one value at a time is in flight per receiving peer: on a slow
// link the peer gets the newest value as soon as the previous one is
// through. A watch value cannot carry channel halves ([ErrHalf]).
package watch
