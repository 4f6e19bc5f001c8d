// Package hostile holds tests in which a peer misbehaves on purpose: a raw
// peer that speaks yamux and the telechan handshake by hand, then announces
// ports it never serves, opens streams it never uses, sends absurd length
// prefixes, deeply nested CBOR, huge JSON strings, or floods the registry.
// Each attack must be answered with a clear error or a closed connection,
// in bounded memory, while a good connection to the same server keeps
// working. It has tests only.
package hostile
