package rfn

import (
	"errors"
	"fmt"
)

// Kind classifies a failed remote call.
type Kind int

// The kinds of CallError.
const (
	// Failed: the function returned an error, or panicked.
	Failed Kind = iota + 1
	// Disconnected: the connection to the function was lost, or the
	// function is no longer served.
	Disconnected
	// Unimplemented: the peer does not know what was called.
	Unimplemented
	// Overloaded: the server refused the call because too many were
	// waiting.
	Overloaded
)

func (k Kind) String() string {
	switch k {
	case Failed:
		return "failed"
	case Disconnected:
		return "disconnected"
	case Unimplemented:
		return "unimplemented"
	case Overloaded:
		return "overloaded"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// CallError is how a call that reached the other side, or tried to, fails.
// Its message is the remote error's text; errors.As finds it.
type CallError struct {
	Kind Kind   `json:"kind"`
	Msg  string `json:"msg"`
	// Code is the name of the registered error (see RegisterError) the
	// remote error matched, if any.
	Code string `json:"code,omitempty"`
	// cause is the local error behind a Disconnected call, if any.
	cause error
}

func (e *CallError) Error() string { return fmt.Sprintf("rfn: %s: %s", e.Kind, e.Msg) }

// Unwrap returns the local cause of a Disconnected call (an rch error), so
// errors.Is(err, rch.ErrDisconnected) holds for it.
func (e *CallError) Unwrap() error { return e.cause }

// Is reports whether target is the error registered under e's Code, so that
// errors.Is(err, ErrSomething) holds on the calling side for a registered
// sentinel returned on the serving side.
func (e *CallError) Is(target error) bool {
	return e.Code != "" && registered(e.Code) == target
}

// KindOf returns the Kind of the CallError in err's chain, or 0 if there is
// none (for example for a context error, which passes through unchanged).
func KindOf(err error) Kind {
	var ce *CallError
	if errors.As(err, &ce) {
		return ce.Kind
	}
	return 0
}

// ErrUsed is returned by a second call of a function made with NewOnce.
// It matches across the wire: errors.Is(err, ErrUsed) holds for the
// caller's *CallError.
var ErrUsed = errors.New("rfn: a once-only function was already called")

// ErrPanic matches the *CallError of a call whose function panicked. The
// caller's message names the function only (Options.Name); the panic's
// value and stack go to the serving side's Options.Logger.
var ErrPanic = errors.New("rfn: the function panicked")
