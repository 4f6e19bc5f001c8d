package mux

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"

	"github.com/hashicorp/yamux"
)

// Errors returned by the package. Test for them with [errors.Is]: the errors a
// Session or Stream returns wrap them together with the cause.
var (
	// ErrClosed is reported after the local side called [Session.Close]:
	// [Session.Err] returns it, and so does every call on the session or one
	// of its streams that the close interrupted.
	ErrClosed = errors.New("mux: session closed")

	// ErrLost is reported when the session ended without a local Close: the
	// peer closed the connection, a read or write on it failed, or the peer
	// stopped answering keepalive pings. The error that wraps it also wraps
	// the cause.
	ErrLost = errors.New("mux: connection lost")

	// ErrStreamReset is returned by Stream.Read and Stream.Write when the
	// stream was reset rather than closed: the peer's accept backlog was
	// full, or the peer gave up on it.
	ErrStreamReset = errors.New("mux: stream reset")

	// ErrUnauthorized means the server refused the WebSocket handshake with
	// 401 Unauthorized: credentials missing or wrong (see
	// Options.Authorize). Dial returns a [*HandshakeError] that matches it;
	// Accept returns an error that matches it, and an Authorize hook may
	// wrap it.
	ErrUnauthorized = errors.New("mux: unauthorized")

	// ErrForbidden means the server refused the WebSocket handshake with
	// 403 Forbidden: an Origin it does not allow (Options.OriginPatterns),
	// or an Authorize hook that returned an error wrapping ErrForbidden
	// (known caller, not allowed). Dial returns a [*HandshakeError] that
	// matches it.
	ErrForbidden = errors.New("mux: forbidden")
)

// HandshakeError is the error Dial wraps when the server answered the
// WebSocket handshake with an HTTP status other than 101 Switching
// Protocols, so that no session was made. It matches [ErrUnauthorized] for
// 401 and [ErrForbidden] for 403; read other statuses with errors.As.
type HandshakeError struct {
	// StatusCode is the HTTP status of the server's answer, e.g. 401.
	StatusCode int
}

// Error says that the server refused the handshake, and with which status.
func (e *HandshakeError) Error() string {
	return fmt.Sprintf("server refused the WebSocket handshake: %d %s", e.StatusCode, http.StatusText(e.StatusCode))
}

// Is reports whether the status matches target: 401 is ErrUnauthorized and
// 403 ErrForbidden.
func (e *HandshakeError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	}
	return false
}

// Causes wrapped together with ErrLost. They are not exported: a caller
// decides on ErrLost, and the message says why.
var (
	errPeerClosed   = errors.New("peer closed the connection")
	errKeepAlive    = errors.New("keepalive timeout: no answer from the peer")
	errWriteTimeout = errors.New("write timeout: the connection did not take a frame in time")
	errShutdown     = errors.New("yamux shut the session down")
)

// lostError builds the error reported after the session was lost because of
// cause. io.EOF is replaced: a lost session must never look like the clean
// end of a stream.
func lostError(cause error) error {
	switch {
	case cause == nil:
		cause = errShutdown
	case errors.Is(cause, io.EOF):
		cause = errPeerClosed
	}
	return fmt.Errorf("%w: %w", ErrLost, cause)
}

// streamError translates an error from a yamux stream operation into the
// package's vocabulary. s is the session the stream belongs to; op names the
// operation for the message.
func (s *Session) streamError(op string, id uint32, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, yamux.ErrTimeout):
		return fmt.Errorf("mux: %s stream %d: %w", op, id, os.ErrDeadlineExceeded)
	case errors.Is(err, yamux.ErrConnectionWriteTimeout):
		s.fail(errWriteTimeout)
		return s.endErr()
	case s.ys.IsClosed(), s.connFailed():
		return s.endErr()
	case errors.Is(err, yamux.ErrConnectionReset):
		return fmt.Errorf("mux: %s stream %d: %w", op, id, ErrStreamReset)
	case errors.Is(err, yamux.ErrStreamClosed):
		return fmt.Errorf("mux: %s stream %d: %w", op, id, net.ErrClosed)
	}
	return fmt.Errorf("mux: %s stream %d: %w", op, id, err)
}

// sessionError translates an error from a yamux session operation (open,
// accept). Context errors pass through unchanged.
func (s *Session) sessionError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, yamux.ErrConnectionWriteTimeout):
		s.fail(errWriteTimeout)
		return s.endErr()
	case errors.Is(err, yamux.ErrSessionShutdown), s.ys.IsClosed(), s.connFailed():
		return s.endErr()
	}
	return fmt.Errorf("mux: %w", err)
}

// connFailed reports whether reading or writing the connection has failed.
// yamux hands the connection's write error to the stream whose frame it was
// sending before it marks itself closed; the session is ending all the
// same, so that error is a loss, not a failure of one stream.
func (s *Session) connFailed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cause != nil
}
