package bench

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/telechan/telechan/internal/test/linkemu"
)

// The links. linkemu.FourG is exactly the 4g profile (10 Mbit/s,
// 2 MiB drop-tail buffer, 25 ms one way), so the bench uses it as it is.
var (
	lan   = linkemu.LAN
	fourG = linkemu.FourG
)

// listen returns a loopback TCP listener whose accepted connections are
// shaped by p (what the server writes crosses the link).
func listen(p linkemu.Profile) (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	return linkListener{ln, p}, nil
}

type linkListener struct {
	net.Listener
	p linkemu.Profile
}

func (l linkListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return linkemu.Wrap(c, l.p), nil
}

// dialer returns a dial function whose connections are shaped by p (what
// the client writes crosses the link).
func dialer(p linkemu.Profile) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return linkemu.Wrap(c, p), nil
	}
}

// httpClient dials through the link p, one connection per request.
func httpClient(p linkemu.Profile) *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: dialer(p), DisableKeepAlives: true}}
}

// httpServer serves h on a listener shaped by p. Its close stops the server
// and waits for every handler to return; a handler that hijacked its
// connection must be made to return by its own means first.
type httpServer struct {
	url      string // ws://127.0.0.1:port
	srv      *http.Server
	handlers sync.WaitGroup
	served   chan error
}

func serveHTTP(p linkemu.Profile, h http.Handler) (*httpServer, error) {
	ln, err := listen(p)
	if err != nil {
		return nil, err
	}
	s := &httpServer{url: "ws://" + ln.Addr().String(), served: make(chan error, 1)}
	s.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.handlers.Add(1)
		defer s.handlers.Done()
		h.ServeHTTP(w, r)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { s.served <- s.srv.Serve(ln) }()
	return s, nil
}

func (s *httpServer) close() {
	_ = s.srv.Close()
	<-s.served
	s.handlers.Wait()
}

// errStopped is what a flow's ends see once it is being stopped.
var errStopped = errors.New("bench: stopped")
