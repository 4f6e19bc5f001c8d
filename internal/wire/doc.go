// Package wire holds telechan's byte-level formats: the connection
// handshake, the frames that carry items on a channel stream, the header a
// stream opens with when it claims a port, and the reference a channel half
// is encoded as inside a message.
//
// docs/PROTOCOL.md is the specification; this package is its Go form. It
// depends on nothing but the standard library and the CBOR library, so that
// fuzzing it needs no connection.
package wire
