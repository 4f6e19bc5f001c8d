// Package attack holds the attack tests of docs/SECURITY.md: each class of
// attack a hostile peer can mount is run, over a real WebSocket on
// loopback, against a server built as the README's quick start builds one
// (mux.Handler, rch.Connect with default options), running in a process of
// its own so that a crash or an out-of-memory kills only it. The peer is
// written by hand from docs/PROTOCOL.md (WebSocket, yamux, the handshake,
// frames, references). While an attack runs, a well-behaved client makes
// round trips through the same server; afterwards the test checks that the
// server lives, that its peak heap stayed within its memory budget plus a
// small constant, that its goroutines are back to where they were, and
// reports the bystander's p99. It has tests only.
package attack
