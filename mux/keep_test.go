package mux

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestKeepRedialsAfterRestart: the server restarts (the session cannot be
// resumed, ErrNotResumed); Keep dials the new one and runs the program's
// setup again, then returns when its context ends.
func TestKeepRedialsAfterRestart(t *testing.T) {
	serve := func(ctx context.Context, s *Session) { <-ctx.Done() }
	dead := make(chan *Session, 1)
	first := httptest.NewUnstartedServer(Handler(func(ctx context.Context, s *Session) {
		dead <- s
		<-ctx.Done()
	}, nil))
	ln := &faultyListener{Listener: first.Listener}
	first.Listener = ln
	first.Start()
	second := httptest.NewServer(Handler(serve, nil))
	defer second.Close()
	var url atomic.Value
	url.Store("ws" + strings.TrimPrefix(first.URL, "http"))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var runs atomic.Int32
	second_ := make(chan struct{})
	err := Keep(ctx, func(ctx context.Context) (*Session, error) {
		return Dial(ctx, url.Load().(string), nil)
	}, func(rctx context.Context, s *Session) error {
		switch runs.Add(1) {
		case 1: // the first server dies under this session
			url.Store("ws" + strings.TrimPrefix(second.URL, "http"))
			(<-dead).Close()
			ln.closeAll()
			first.Close()
		case 2:
			close(second_)
			cancel() // the program is told to stop
		}
		<-rctx.Done()
		return rctx.Err()
	}, &KeepOptions{MinBackoff: 10 * time.Millisecond})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Keep = %v, want context.Canceled", err)
	}
	select {
	case <-second_:
	default:
		t.Fatal("the setup never ran on a second session")
	}
	if runs.Load() != 2 {
		t.Fatalf("%d runs", runs.Load())
	}
}
