package registry

import "errors"

// Errors returned by the client, the server and the stores. Test for them
// with errors.Is: an error that crossed the wire from the server is matched
// to the sentinel of the same meaning.
var (
	// ErrNotFound means no live entry holds the topic.
	ErrNotFound = errors.New("registry: topic not found")

	// ErrTaken means the topic is held by another live lease and the
	// request did not ask to replace it.
	ErrTaken = errors.New("registry: topic already registered")

	// ErrNoLease means the lease is unknown: it expired, was revoked, or
	// never existed.
	ErrNoLease = errors.New("registry: no such lease")

	// ErrNotOwner means the topic is registered, but not by this lease or
	// connection, so it may not be renewed or unregistered from here.
	ErrNotOwner = errors.New("registry: topic registered by someone else")

	// ErrUnauthorized means the server refused a write for want of a token
	// that allows it (see ServerOptions.WriteTokens and Options.Token), or
	// refused the connection itself (ServerOptions.Authorize).
	ErrUnauthorized = errors.New("registry: unauthorized")

	// ErrBadRequest means the server refused a malformed request.
	ErrBadRequest = errors.New("registry: bad request")

	// ErrClosed means the client, store or watch was closed locally.
	ErrClosed = errors.New("registry: closed")

	// ErrLost means the connection to the registry ended; the cause is
	// wrapped too.
	ErrLost = errors.New("registry: connection lost")

	// ErrLagged means a watcher fell too far behind and its watch was ended;
	// watch again to resynchronise.
	ErrLagged = errors.New("registry: watch fell behind")
)
