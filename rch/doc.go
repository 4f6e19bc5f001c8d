// Package rch provides remote channels: typed channels whose halves live on
// different machines, carried by one connection.
//
// [Connect] runs the telechan handshake over a [mux.Session] and returns the
// connection's base channel, a [Base]: values of type Out go to the peer,
// values of type In come from it. Every other channel is reached through it:
// create a local pair with a channel kind's New, put either half in a value
// and send the value. Sending a half opens a stream of its own to the peer,
// so a slow channel never holds up another, and the half that stays behaves
// as if the other were still local.
//
// # Channel kinds
//
//   - [github.com/telechan/telechan/rch/mpsc]: many senders, one receiver,
//     bounded buffer with backpressure, order kept.
//   - [github.com/telechan/telechan/rch/oneshot]: exactly one value, e.g. a
//     reply.
//   - [github.com/telechan/telechan/rch/watch]: the latest value wins, for
//     status; the sender never waits, receivers may skip values.
//   - [github.com/telechan/telechan/rch/broadcast]: one publisher, many
//     subscribers; a subscriber that falls behind is told how many values
//     it missed.
//   - [github.com/telechan/telechan/rch/bin]: raw bytes (io.Reader and
//     io.Writer) on a stream of their own, paced so that a bulk transfer
//     does not hold up the other channels of the connection.
//
// A remote channel keeps no goroutine while it is idle: one runs only
// while data moves on it.
//
// # Where halves may sit
//
// Anywhere the codec looks: struct fields (exported, not tagged "-"),
// nested structs, pointers, slices, arrays, map values and interface
// values. Halves are held by pointer (*mpsc.Sender[T]). Finding them costs
// nothing for types that cannot hold one: the answer is worked out once per
// type. A half received from one peer may be sent on to another; the middle
// peer relays, and order and close still hold end to end.
//
// Every half implements json.Marshaler and json.Unmarshaler, and the same
// for CBOR: it writes and reads its reference on the wire. Marshalling a half
// other than by sending it over a connection fails.
//
// # Errors
//
// Every error can be tested with errors.Is: [ErrClosed] (the receiver closed
// the channel), [ErrDropped] (the other half went away without closing),
// [ErrDisconnected] (the connection was lost; the cause is wrapped too),
// [ErrTooLarge] and [ErrDecode] (one item only: the channel stays usable),
// [ErrMoved] (this half was sent away) and [ErrHandshake]. A receiver sees
// io.EOF only when every sender closed cleanly.
//
// # Limits
//
// Each side sets the largest item it accepts ([Options].MaxItemSize, 16 MiB
// by default) and learns the peer's in the handshake, so an item too large
// for either fails at Send. Items from a peer are buffered up to the
// channel's capacity and at most MaxItemSize bytes per channel.
//
// The wire format is specified in docs/PROTOCOL.md.
package rch
