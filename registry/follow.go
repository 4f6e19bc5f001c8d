package registry

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sort"
	"time"

	"github.com/telechan/telechan/mux"
)

// KeepConnected keeps the program connected to topic for as long as ctx
// lasts: it resolves the topic (waiting for it to be registered), dials
// it, and calls run with each new session, as [mux.Keep] does. A short
// outage does not end the session (it resumes, re-resolving the topic, see
// mux.Options.ResumeGrace); when the session is lost for good (the robot
// restarted, the outage outlasted the grace window), KeepConnected
// resolves and dials again, with backoff, and runs run on the fresh
// session: the place for the program's own setup (its channels, its
// clients). It returns as mux.Keep does.
func KeepConnected(ctx context.Context, topic string, opts *Options, run func(ctx context.Context, s *mux.Session) error) error {
	o := opts.withDefaults()
	return mux.Keep(ctx, func(ctx context.Context) (*mux.Session, error) {
		return Connect(ctx, topic, &o)
	}, run, &mux.KeepOptions{Logger: o.Logger})
}

// Follow watches the topics that start with prefix for as long as ctx
// lasts, across registry restarts and lost connections. It yields an Added
// event for each entry present at first, then the changes; when the
// registry goes away it yields one error matching ErrLost (a notice: the
// loop goes on), dials again with backoff, and on reconnecting yields what
// changed meanwhile (Removed for topics gone, Added for new or moved ones)
// before the live changes again. A watch that fell behind (ErrLagged) is
// resynchronised the same way. The sequence ends when ctx ends, or with a
// final error that retrying cannot mend (ErrUnauthorized, a bad prefix).
func Follow(ctx context.Context, prefix string, opts *Options) iter.Seq2[Event, error] {
	o := opts.withDefaults()
	return func(yield func(Event, error) bool) {
		known := map[string]Entry{}
		backoff := 100 * time.Millisecond
		for ctx.Err() == nil {
			c, w, err := openWatch(ctx, prefix, &o)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				if errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrBadRequest) {
					yield(Event{}, err)
					return
				}
				if !sleepCtx(ctx, backoff) {
					return
				}
				backoff = min(2*backoff, 5*time.Second)
				continue
			}
			backoff = 100 * time.Millisecond
			ok := catchUp(w, known, yield) && follow(ctx, w, known, yield)
			w.Close()
			c.Close()
			if !ok {
				return
			}
		}
	}
}

// openWatch connects to the registry and starts a watch.
func openWatch(ctx context.Context, prefix string, o *Options) (*Client, *Watch, error) {
	c, err := Dial(ctx, o)
	if err != nil {
		return nil, nil, err
	}
	w, err := c.Watch(ctx, prefix)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	return c, w, nil
}

// catchUp yields the difference between what the caller knows and a fresh
// watch's snapshot, and makes known the snapshot. It reports false if the
// caller stopped.
func catchUp(w *Watch, known map[string]Entry, yield func(Event, error) bool) bool {
	snap := map[string]Entry{}
	for _, ev := range w.snap {
		snap[ev.Entry.Topic] = ev.Entry
	}
	w.snap = nil
	var gone []string
	for topic := range known {
		if _, ok := snap[topic]; !ok {
			gone = append(gone, topic)
		}
	}
	sort.Strings(gone)
	for _, topic := range gone {
		e := known[topic]
		delete(known, topic)
		if !yield(Event{Kind: Removed, Entry: e}, nil) {
			return false
		}
	}
	var fresh []string
	for topic, e := range snap {
		if k, ok := known[topic]; !ok || k.Address != e.Address {
			fresh = append(fresh, topic)
		}
	}
	sort.Strings(fresh)
	for _, topic := range fresh {
		known[topic] = snap[topic]
		if !yield(Event{Kind: Added, Entry: snap[topic]}, nil) {
			return false
		}
	}
	return true
}

// follow yields w's live events, keeping known up to date, until w ends.
// It reports false if the caller stopped or ctx ended.
func follow(ctx context.Context, w *Watch, known map[string]Entry, yield func(Event, error) bool) bool {
	for {
		ev, err := w.Next(ctx)
		switch {
		case ctx.Err() != nil:
			return false
		case errors.Is(err, ErrLagged):
			return true // watch again: catchUp resynchronises
		case err != nil:
			return yield(Event{}, fmt.Errorf("registry: following %q: %w; reconnecting", w.c.Addr(), lostErr(err)))
		}
		if ev.Kind == Removed {
			delete(known, ev.Entry.Topic)
		} else {
			known[ev.Entry.Topic] = ev.Entry
		}
		if !yield(ev, nil) {
			return false
		}
	}
}

// lostErr makes sure err matches ErrLost.
func lostErr(err error) error {
	if errors.Is(err, ErrLost) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrLost, err)
}

// sleepCtx waits d, or until ctx ends; it reports false then.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
