// Package echo holds the remote interface the benchmarks call: one small
// method, served with rtc through a client written by cmd/rtcgen. Its
// _rtc.go file is generated; run go generate here after changing Echo.
package echo

import "context"

// rtcgen runs from the library's module: this module does not carry
// rtcgen's own dependency, golang.org/x/tools.
//
//go:generate go run -C ../../.. ./cmd/rtcgen -type Echo bench/internal/echo

// Echo is the service of the small-call figures (rpc.lan.*).
type Echo interface {
	// Len returns the length of s: a ~100-byte argument, a small result.
	Len(ctx context.Context, s string) (int, error)
}

// Impl is the served implementation of Echo.
type Impl struct{}

// Len returns len(s).
func (Impl) Len(_ context.Context, s string) (int, error) { return len(s), nil }
