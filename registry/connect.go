package registry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
)

// Connect resolves topic, waiting until it is registered or ctx ends, and
// dials it: rcom's RcomClient::create("elmo", 10.0) is
//
//	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
//	defer cancel()
//	sess, err := registry.Connect(ctx, "elmo", nil)
//
// The registry connection is closed before Connect returns. ctx bounds
// the lookup and the handshake only; close the session when done.
func Connect(ctx context.Context, topic string, opts *Options) (*mux.Session, error) {
	o := opts.withDefaults()
	c, err := Dial(ctx, &o)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	addr, err := c.ResolveWait(ctx, topic)
	if err != nil {
		return nil, err
	}
	sess, err := mux.Dial(ctx, addr, o.Mux)
	if err != nil {
		return nil, fmt.Errorf("registry: connect to %q at %s: %w", topic, addr, err)
	}
	return sess, nil
}

// ConnectBase is Connect followed by rch.Connect: it returns the base
// channel of a connection to topic. Closing the Base closes the session.
func ConnectBase[Out, In any](ctx context.Context, topic string, opts *Options) (*rch.Base[Out, In], error) {
	sess, err := Connect(ctx, topic, opts)
	if err != nil {
		return nil, err
	}
	var ro *rch.Options
	if opts != nil {
		ro = opts.Rch
	}
	return rch.Connect[Out, In](ctx, sess, ro)
}

// Serve listens on a free port (Options.Listen), serves each incoming
// session with serve (as mux.Handler does), and registers the listener's
// URL (Options.Advertise) under topic. It runs until ctx ends, then
// unregisters, closes every session and waits for every serve call to
// return, and returns ctx's error. It returns early with an error if the
// topic cannot be registered or the registration is lost.
//
// The ctx passed to serve ends when its session ends, which Serve forces
// when its own ctx ends.
func Serve(ctx context.Context, topic string, serve func(ctx context.Context, s *mux.Session), opts *Options) error {
	o := opts.withDefaults()
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("registry: serve %q: %w", topic, err)
	}
	var g group
	srv := &http.Server{Handler: mux.Handler(g.track(ctx, serve), o.Mux), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	defer func() {
		srv.Close()
		<-errc
		g.closeAndWait()
	}()
	if o.Advertise == "" {
		o.Advertise = "ws://" + ln.Addr().String() + "/"
	}
	return register(ctx, topic, &o)
}

// register holds topic's registration until ctx ends or it is lost.
func register(ctx context.Context, topic string, o *Options) error {
	c, err := Dial(ctx, o)
	if err != nil {
		return err
	}
	defer c.Close()
	l, err := c.Register(ctx, topic, o.Advertise, nil)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		l.Close()
		return ctx.Err()
	case <-l.Done():
		return fmt.Errorf("registry: serve %q: registration lost: %w", topic, errors.Join(l.Err()))
	}
}

// group counts the running serve calls of Serve, and refuses new ones once
// closing: http.Server.Close does not wait for handlers of hijacked
// connections, so Serve waits for them here.
type group struct {
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

func (g *group) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.wg.Add(1)
	return true
}

func (g *group) closeAndWait() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	g.wg.Wait()
}

// track wraps serve so that each call is counted in g and its session is
// closed when ctx ends.
func (g *group) track(ctx context.Context, serve func(context.Context, *mux.Session)) func(context.Context, *mux.Session) {
	return func(sctx context.Context, s *mux.Session) {
		if !g.enter() {
			return
		}
		defer g.wg.Done()
		stop := context.AfterFunc(ctx, func() { s.Close() })
		defer stop()
		serve(sctx, s)
	}
}
