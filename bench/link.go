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
	return httpClientOn(p, nil)
}

// httpClientOn is httpClient with every connection on sw, if not nil.
func httpClientOn(p linkemu.Profile, sw *linkSwitch) *http.Client {
	dial := dialer(p)
	if sw != nil {
		inner := dial
		dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			if sw.isDown() {
				return nil, errLinkDown
			}
			sw.dialled(time.Now())
			c, err := inner(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return sw.track(c), nil
		}
	}
	return &http.Client{Transport: &http.Transport{DialContext: dial, DisableKeepAlives: true}}
}

// linkSwitch takes a link down and up: down, every connection on it is
// cut and new ones fail, as in a tunnel.
type linkSwitch struct {
	mu       sync.Mutex
	down     bool
	conns    []net.Conn
	lastDial time.Time
}

var errLinkDown = errors.New("bench: the link is down")

func (s *linkSwitch) isDown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.down
}

func (s *linkSwitch) track(c net.Conn) net.Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		c.Close()
	}
	s.conns = append(s.conns, c)
	return c
}

func (s *linkSwitch) dialled(t time.Time) {
	s.mu.Lock()
	s.lastDial = t
	s.mu.Unlock()
}

// lastDialled returns when the last connection was dialled.
func (s *linkSwitch) lastDialled() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastDial
}

// setDown takes the link down (cutting every connection) or brings it up.
func (s *linkSwitch) setDown(down bool) {
	s.mu.Lock()
	s.down = down
	var conns []net.Conn
	if down {
		conns, s.conns = s.conns, nil
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// switchListener puts every connection it accepts on a switch.
type switchListener struct {
	net.Listener
	sw *linkSwitch
}

func (l switchListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return l.sw.track(c), nil
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
	return serveHTTPOn(p, nil, h)
}

// serveHTTPOn is serveHTTP with every accepted connection on sw, if not nil.
func serveHTTPOn(p linkemu.Profile, sw *linkSwitch, h http.Handler) (*httpServer, error) {
	var ln net.Listener
	ln, err := listen(p)
	if err != nil {
		return nil, err
	}
	if sw != nil {
		ln = switchListener{ln, sw}
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
