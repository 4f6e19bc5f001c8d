// Package registry is telechan's directory: it maps free-form topics
// ("elmo") to the addresses where programs serve them, so programs find
// each other by name.
//
// Entries are leases. An entry vanishes when the program that registered
// it disconnects, or when its lease is not renewed within its TTL, so a
// crashed robot does not leave a stale address behind. A topic held by a
// live lease is not silently taken over: a second registration is refused
// with [ErrTaken] unless it asks to replace the first.
//
// # Entry points
//
// Most programs need one call on each side:
//
//   - [Serve] listens on a free port, serves each incoming mux session, and
//     registers the listener under a topic until its ctx ends.
//   - [Connect] waits for a topic to be registered and dials it, returning a
//     mux session; [ConnectBase] also runs rch's handshake and returns the
//     base channel.
//
// For more, [Dial] a [Client]: [Client.Register] returns a [Lease] the
// client renews by itself, [Client.Resolve] and [Client.ResolveWait] look a
// topic up, [Client.List] lists a prefix and [Client.Watch] streams its
// changes.
//
// The registry's address comes from Options.Addr, else the
// TELECHAN_REGISTRY environment variable, else ws://127.0.0.1:10101.
//
// # Server
//
// [Server] is an http.Handler: it answers a WebSocket at "/" with the
// registry protocol and a plain GET of "/" with a status page that lists
// the topics and updates live. The command "telechan registry" runs one.
// The protocol is plain JSON text messages, the shapes rcom's clients
// already send, so a browser page or a script can use it without this
// package; docs/REGISTRY.md specifies it.
//
// # Security
//
// By default anyone who can reach a server may change any topic. Set
// ServerOptions.WriteTokens so that registering needs a token covering the
// topic (clients send Options.Token, default $TELECHAN_REGISTRY_TOKEN), and
// ServerOptions.Authorize to close reads too. Browsers from other origins
// are refused unless ServerOptions.OriginPatterns lists them. Serve with TLS
// where the network is not trusted. docs/REGISTRY.md and docs/SECURITY.md
// have the rules.
//
// # Stores
//
// The state lives in a [Store]: [NewMemStore] is the in-memory default; the
// nested module github.com/telechan/telechan/registry/etcd keeps it in
// etcd so that several registry servers share it.
//
// # Errors
//
// Errors from the server match the sentinel of the same meaning with
// errors.Is: [ErrNotFound], [ErrTaken], [ErrNotOwner], [ErrNoLease],
// [ErrUnauthorized], [ErrBadRequest]. A lost connection matches [ErrLost], and a closed
// client [ErrClosed].
package registry
