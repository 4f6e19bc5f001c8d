// Package muxtest provides connected pairs of mux sessions for tests.
//
// Each function returns a client and a server session joined by a different
// transport and registers a Cleanup that closes both (and whatever else it
// started). Use [Pair] by default: it is in memory, fast, and runs the full
// WebSocket stack. Use [WebSocketPair] or [TCPPair] when a real socket
// matters, and [LinkPair] or [LinkPipePair] to run over an emulated slow
// link (see package linkemu).
//
// Do not build sessions inside a testing/synctest bubble. yamux keeps timers
// in a process-wide sync.Pool; a timer made inside a bubble and later reused
// outside it (or in another bubble) crashes the whole test binary with
// "fatal error: reset of synctest timer from outside bubble". Test timing
// with short real intervals instead (Options.KeepAliveInterval etc.).
package muxtest

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/telechan/telechan/mux"
)

// setupTimeout bounds how long building a pair may take before the test
// fails instead of hanging.
const setupTimeout = 10 * time.Second

// Pair returns two sessions joined by mux.Pipe: net.Pipe, an in-memory
// WebSocket handshake, WebSocket framing and yamux.
func Pair(tb testing.TB, opts *mux.Options) (client, server *mux.Session) {
	tb.Helper()
	client, server = mux.Pipe(opts)
	tb.Cleanup(func() { closeBoth(client, server) })
	return client, server
}

// WebSocketPair returns two sessions joined by a real WebSocket over
// loopback TCP: an httptest server on 127.0.0.1 runs mux.Handler, and the
// client session comes from mux.Dial. opts is used on both sides; if its
// HTTPClient is nil, the test server's client is used.
func WebSocketPair(tb testing.TB, opts *mux.Options) (client, server *mux.Session) {
	tb.Helper()
	return webSocketPair(tb, opts, nil, nil)
}

// webSocketPair is WebSocketPair with hooks: wrapListener, if not nil, wraps
// the test server's listener, and httpClient, if not nil, replaces
// opts.HTTPClient.
func webSocketPair(tb testing.TB, opts *mux.Options, wrapListener func(net.Listener) net.Listener, httpClient *http.Client) (client, server *mux.Session) {
	tb.Helper()
	sessions := make(chan *mux.Session, 1)
	var handlers sync.WaitGroup
	h := mux.Handler(func(ctx context.Context, s *mux.Session) {
		sessions <- s
		<-ctx.Done()
	}, opts)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlers.Add(1)
		defer handlers.Done()
		h.ServeHTTP(w, r)
	}))
	if wrapListener != nil {
		srv.Listener = wrapListener(srv.Listener)
	}
	srv.Start()
	tb.Cleanup(srv.Close)

	var o mux.Options
	if opts != nil {
		o = *opts
	}
	if httpClient != nil {
		o.HTTPClient = httpClient
	}
	if o.HTTPClient == nil {
		o.HTTPClient = srv.Client()
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	client, err := mux.Dial(ctx, "ws"+srv.URL[len("http"):], &o)
	if err != nil {
		tb.Fatalf("muxtest: dial: %v", err)
	}
	select {
	case server = <-sessions:
	case <-ctx.Done():
		_ = client.Close()
		tb.Fatalf("muxtest: no server session: %v", ctx.Err())
	}
	tb.Cleanup(func() {
		closeBoth(client, server)
		handlers.Wait() // serve returns once the session is closed
	})
	return client, server
}

// TCPPair returns two sessions made by mux.Client and mux.Server over a
// loopback TCP connection, without WebSocket.
func TCPPair(tb testing.TB, opts *mux.Options) (client, server *mux.Session) {
	tb.Helper()
	cc, sc := tcpConns(tb)
	client, err := mux.Client(cc, opts)
	if err != nil {
		_, _ = cc.Close(), sc.Close()
		tb.Fatalf("muxtest: client: %v", err)
	}
	server, err = mux.Server(sc, opts)
	if err != nil {
		_, _ = client.Close(), sc.Close()
		tb.Fatalf("muxtest: server: %v", err)
	}
	tb.Cleanup(func() { closeBoth(client, server) })
	return client, server
}

// tcpConns returns the two ends of a loopback TCP connection.
func tcpConns(tb testing.TB) (client, server net.Conn) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("muxtest: listen: %v", err)
	}
	defer ln.Close()
	type result struct {
		c   net.Conn
		err error
	}
	accepted := make(chan result, 1)
	go func() {
		c, err := ln.Accept()
		accepted <- result{c, err}
	}()
	client, err = net.DialTimeout("tcp", ln.Addr().String(), setupTimeout)
	if err != nil {
		tb.Fatalf("muxtest: dial: %v", err) // Close of ln ends the Accept
	}
	r := <-accepted
	if r.err != nil {
		_ = client.Close()
		tb.Fatalf("muxtest: accept: %v", r.err)
	}
	return client, r.c
}

func closeBoth(a, b *mux.Session) {
	_ = a.Close()
	_ = b.Close()
}
