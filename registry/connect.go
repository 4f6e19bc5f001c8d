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
	sess, err := mux.Dial(ctx, addr, redialing(topic, &o))
	if err != nil {
		return nil, fmt.Errorf("registry: connect to %q at %s: %w", topic, addr, err)
	}
	return sess, nil
}

// redialing returns o.Mux with a Redial that resolves topic again through
// the registry each time the session reconnects: a robot on 4G may come
// back at another address. A Redial the caller set is kept.
func redialing(topic string, o *Options) *mux.Options {
	var mo mux.Options
	if o.Mux != nil {
		mo = *o.Mux
	}
	if mo.Redial == nil {
		ro := *o
		mo.Redial = func(ctx context.Context) (string, error) {
			c, err := Dial(ctx, &ro)
			if err != nil {
				return "", err
			}
			defer c.Close()
			return c.ResolveWait(ctx, topic)
		}
	}
	return &mo
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
// return, and returns ctx's error.
//
// If the registry goes away (it restarts, the network drops), Serve goes
// on serving and registers the topic again as soon as a registry answers,
// with backoff; sessions already made are not affected. It returns early
// with an error if the topic cannot be registered at first (ErrTaken,
// ErrUnauthorized, …), or if it was taken by another program while the
// registry was away (an error matching ErrTaken).
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

// register holds topic's registration until ctx ends, registering it
// again each time it is lost with its registry connection.
func register(ctx context.Context, topic string, o *Options) error {
	c, l, err := registerOnce(ctx, topic, o)
	if err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
		case <-l.Done():
		}
		if ctx.Err() != nil { // the lease may end with ctx: unregister first
			l.Close()
			c.Close()
			return ctx.Err()
		}
		c.Close()
		o.Logger.Warn("registry: registration lost; registering again", "topic", topic, "err", l.Err())
		if c, l, err = reregister(ctx, topic, o); err != nil {
			return err
		}
		o.Logger.Info("registry: registered again", "topic", topic)
	}
}

// registerOnce connects to the registry and registers topic.
func registerOnce(ctx context.Context, topic string, o *Options) (*Client, *Lease, error) {
	c, err := Dial(ctx, o)
	if err != nil {
		return nil, nil, err
	}
	l, err := c.Register(ctx, topic, o.Advertise, nil)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	return c, l, nil
}

// takenGrace is how long a re-registration keeps trying while the topic
// looks taken: the old lease, if the store outlived the registry (etcd),
// expires within a connection lease (10 s by default).
const takenGrace = 30 * time.Second

// reregister registers topic again, with backoff, until it works or ctx
// ends; a topic still taken after takenGrace was taken by someone else.
func reregister(ctx context.Context, topic string, o *Options) (*Client, *Lease, error) {
	backoff := 100 * time.Millisecond
	var takenSince time.Time
	for {
		c, l, err := registerOnce(ctx, topic, o)
		switch {
		case err == nil:
			return c, l, nil
		case ctx.Err() != nil:
			return nil, nil, ctx.Err()
		case errors.Is(err, ErrTaken):
			if takenSince.IsZero() {
				takenSince = time.Now()
			}
			if time.Since(takenSince) > takenGrace {
				return nil, nil, fmt.Errorf("registry: serve %q: the topic was taken while the registry was away: %w", topic, err)
			}
		case errors.Is(err, ErrUnauthorized):
			return nil, nil, fmt.Errorf("registry: serve %q: registering again: %w", topic, err)
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil, ctx.Err()
		case <-t.C:
		}
		backoff = min(2*backoff, 5*time.Second)
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
