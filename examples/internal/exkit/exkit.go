// Package exkit holds the few helpers the example programs share: an
// embedded registry for running an example in one process, a writer that
// several goroutines may print to, and the serving loop that hands an rtc
// client to every connection.
package exkit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/registry"
)

// Registry is an embedded registry server on a free loopback port.
type Registry struct {
	// Addr is its ws:// URL.
	Addr string

	srv  *registry.Server
	http *http.Server
	done chan struct{}
}

// StartRegistry starts an embedded registry with the in-memory store.
// Close it when done.
func StartRegistry() (*Registry, error) {
	srv, err := registry.NewServer(nil)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		return nil, err
	}
	r := &Registry{Addr: "ws://" + ln.Addr().String(), srv: srv, http: &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.http.Serve(ln)
	}()
	return r, nil
}

// Options returns registry options that point at r.
func (r *Registry) Options() *registry.Options { return &registry.Options{Addr: r.Addr} }

// Close disconnects every client, stops the server and waits for it.
func (r *Registry) Close() error {
	err := r.srv.Close() // first: it waits for the hijacked connections
	r.http.Close()
	<-r.done
	return err
}

// Writer is an io.Writer that serialises its writes, so that goroutines of
// both sides of an example may print to one output.
type Writer struct {
	mu sync.Mutex
	w  io.Writer
}

// NewWriter returns a Writer that writes to w.
func NewWriter(w io.Writer) *Writer {
	if lw, ok := w.(*Writer); ok {
		return lw
	}
	return &Writer{w: w}
}

// Write writes p to the underlying writer, one call at a time.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

// Printf formats and writes one line.
func (w *Writer) Printf(format string, args ...any) {
	fmt.Fprintf(w, format+"\n", args...)
}

// Closer is what a generated rtc client offers besides its methods.
type Closer[C any] interface {
	Clone() C
	Close() error
}

// ServeClient returns a session handler for registry.Serve or mux.Handler:
// it sends a copy of client as the first value of the base channel and
// keeps the connection until the peer hangs up. The copy goes with the
// message; client itself stays with the caller, who closes it when
// serving is over.
func ServeClient[C Closer[C]](client C) func(ctx context.Context, sess *mux.Session) {
	return func(ctx context.Context, sess *mux.Session) {
		base, err := rch.Connect[C, struct{}](ctx, sess, nil)
		if err != nil {
			return
		}
		defer base.Close()
		if err := base.Send(ctx, client.Clone()); err != nil {
			return
		}
		base.Recv(ctx) // io.EOF or an error: the peer is done
	}
}

// Quiet returns nil for the error a serving loop returns when its ctx was
// cancelled on purpose, and err otherwise.
func Quiet(ctx context.Context, err error) error {
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return nil
	}
	return err
}

// WithRegistry runs f with options pointing at a fresh embedded registry,
// then closes the registry.
func WithRegistry(f func(*registry.Options) error) error {
	r, err := StartRegistry()
	if err != nil {
		return err
	}
	return errors.Join(f(r.Options()), r.Close())
}

// IsTerminal reports whether w writes to a terminal, where a progress bar
// may be redrawn in place.
func (w *Writer) IsTerminal() bool {
	f, ok := w.w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
