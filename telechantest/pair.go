package telechantest

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
)

// Options says how a pair is joined. A nil *Options means an in-memory
// pipe at full speed with default options on both sides.
type Options struct {
	// WebSocket joins the pair by a real WebSocket over loopback TCP (an
	// httptest server running mux.Handler, and mux.Dial), instead of an
	// in-memory pipe with yamux straight on it.
	WebSocket bool
	// Profile, if not zero, shapes both directions of the connection
	// (see FourG).
	Profile Profile
	// Mux configures both sessions; nil means defaults.
	Mux *mux.Options
	// Client and Server configure the two ends' rch connections (Connect
	// only); nil means defaults.
	Client, Server *rch.Options
}

// setupTimeout bounds how long building a pair may take.
const setupTimeout = 10 * time.Second

// Sessions returns a client and a server mux session joined by a fresh
// connection, and the Link under it. Both sessions are closed at the end
// of the test.
func Sessions(tb testing.TB, opts *Options) (client, server *mux.Session, link *Link) {
	tb.Helper()
	var o Options
	if opts != nil {
		o = *opts
	}
	link = newLink(o.Profile)
	if o.WebSocket {
		client, server = webSocket(tb, link, o.Mux)
	} else {
		client, server = pipe(tb, link, o.Mux)
	}
	tb.Cleanup(func() {
		client.Close()
		server.Close()
	})
	return client, server, link
}

// pipe joins two sessions by net.Pipe.
func pipe(tb testing.TB, link *Link, opts *mux.Options) (client, server *mux.Session) {
	a, b := net.Pipe()
	client, err := mux.Client(link.wrap(a), opts)
	if err != nil {
		tb.Fatalf("telechantest: %v", err)
	}
	server, err = mux.Server(link.wrap(b), opts)
	if err != nil {
		client.Close()
		tb.Fatalf("telechantest: %v", err)
	}
	return client, server
}

// webSocket joins two sessions by a loopback WebSocket.
func webSocket(tb testing.TB, link *Link, opts *mux.Options) (client, server *mux.Session) {
	sessions := make(chan *mux.Session, 1)
	var handlers sync.WaitGroup
	h := mux.Handler(func(ctx context.Context, s *mux.Session) {
		handlers.Add(1)
		defer handlers.Done()
		sessions <- s
		<-ctx.Done()
	}, opts)
	srv := httptest.NewUnstartedServer(h)
	srv.Listener = linkListener{srv.Listener, link}
	srv.Start()
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			var d net.Dialer
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return link.wrap(c), nil
		},
		DisableKeepAlives: true,
	}
	var o mux.Options
	if opts != nil {
		o = *opts
	}
	o.HTTPClient = &http.Client{Transport: tr}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	client, err := mux.Dial(ctx, "ws"+srv.URL[len("http"):], &o)
	if err != nil {
		srv.Close()
		tb.Fatalf("telechantest: dial: %v", err)
	}
	select {
	case server = <-sessions:
	case <-ctx.Done():
		client.Close()
		srv.Close()
		tb.Fatalf("telechantest: no server session: %v", ctx.Err())
	}
	tb.Cleanup(func() {
		client.Close()
		server.Close()
		handlers.Wait()
		srv.Close()
		tr.CloseIdleConnections()
	})
	return client, server
}

// linkListener puts every connection it accepts on a Link.
type linkListener struct {
	net.Listener
	link *Link
}

func (l linkListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return l.link.wrap(c), nil
}

// Connect returns a client base channel (sending A, receiving B) and a
// server one (sending B, receiving A) joined by a fresh connection, and the
// Link under it. Both are closed at the end of the test.
func Connect[A, B any](tb testing.TB, opts *Options) (client *rch.Base[A, B], server *rch.Base[B, A], link *Link) {
	tb.Helper()
	var o Options
	if opts != nil {
		o = *opts
	}
	cs, ss, link := Sessions(tb, &o)
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	type result struct {
		b   *rch.Base[B, A]
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := rch.Connect[B, A](ctx, ss, o.Server)
		done <- result{b, err}
	}()
	client, err := rch.Connect[A, B](ctx, cs, o.Client)
	r := <-done
	if err != nil || r.err != nil {
		tb.Fatalf("telechantest: connect: %v / %v", err, r.err)
	}
	tb.Cleanup(func() {
		client.Close()
		r.b.Close()
	})
	return client, r.b, link
}
