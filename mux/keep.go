package mux

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"
)

// KeepOptions configures [Keep]. nil means the defaults.
type KeepOptions struct {
	// MinBackoff and MaxBackoff bound the wait between attempts: it
	// doubles from MinBackoff up to MaxBackoff, each wait drawn within
	// ±25%. Defaults 100ms and 10s.
	MinBackoff, MaxBackoff time.Duration
	// Logger receives one line per new session and per loss. nil
	// discards them.
	Logger *slog.Logger
}

// Keep keeps a program connected: it calls dial for a session and run on
// it, and when the session is lost (a connection that could not be
// resumed, or a server that restarted: errors matching ErrLost), or dial
// fails, it dials again with exponential backoff and jitter, and runs run
// again on the fresh session: "keep me connected to topic X and call this
// function on every new session". An outage shorter than the session's
// grace window does not come here at all: the session resumes by itself.
//
// run gets a context that ends with the session, and should return once
// that context ends or it is done. Keep returns when ctx ends (with ctx's
// error), when run returns nil while its session is still up (the program
// is done), or when run returns an error that is not the session's loss.
// Keep closes every session it made before it returns.
func Keep(ctx context.Context, dial func(ctx context.Context) (*Session, error), run func(ctx context.Context, s *Session) error, opts *KeepOptions) error {
	var o KeepOptions
	if opts != nil {
		o = *opts
	}
	setDefault(&o.MinBackoff, 100*time.Millisecond)
	setDefault(&o.MaxBackoff, 10*time.Second)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	backoff := o.MinBackoff
	for {
		s, err := dial(ctx)
		if ctx.Err() != nil {
			if s != nil {
				s.Close()
			}
			return ctx.Err()
		}
		if err == nil {
			o.Logger.Info("mux: keep: new session", "remote", s.RemoteAddr())
			backoff = o.MinBackoff
			err = runOn(ctx, s, run)
			if err == nil || !errors.Is(err, ErrLost) {
				return err
			}
			o.Logger.Warn("mux: keep: session lost; dialling again", "err", err)
		} else {
			o.Logger.Debug("mux: keep: dial failed", "err", err)
		}
		wait := time.Duration(float64(backoff) * (0.75 + rand.Float64()/2))
		backoff = min(2*backoff, o.MaxBackoff)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// runOn runs run on s with a context that ends with s (or ctx), closes s
// and returns run's error, or the session's loss if the session ended
// first and run said nothing else.
func runOn(ctx context.Context, s *Session, run func(context.Context, *Session) error) error {
	defer s.Close()
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel)
	defer stop()
	err := run(rctx, s)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if serr := s.Err(); serr != nil && errors.Is(serr, ErrLost) && (err == nil || rctx.Err() != nil || errors.Is(err, ErrLost)) {
		return serr
	}
	return err
}
