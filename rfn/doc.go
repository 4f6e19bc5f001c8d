// Package rfn provides remote functions: a func(context.Context, A) (R,
// error) wrapped in a value that can be sent to a peer inside any message
// and called there, as if it were local.
//
// [New] serves a function and returns a [Func]; [NewOnce] one that may be
// called exactly once. Calls run concurrently on the serving side, up to
// [Options].MaxConcurrent at once. Cancelling the caller's context cancels
// the call's context on the serving side, and a deadline travels with the
// call. An error the function returns reaches the caller as a [*CallError]
// of kind [Failed] with the same message; a panic becomes such an error for
// that caller only, and the function goes on serving. A lost connection is
// kind [Disconnected], and still matches rch.ErrDisconnected with errors.Is.
//
// Each Func value is one holder. A holder sets up one channel for its
// replies on its first call, so a call costs one message each way, not a
// stream. Once every holder has closed or gone, serving stops and
// [Func.Done] is closed: the provider learns that nobody can call any more.
//
// Arguments and results are encoded like any channel value and may hold
// channel halves and other Funcs.
package rfn
