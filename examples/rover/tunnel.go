package rover

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"

	"github.com/telechan/telechan/internal/test/linkemu"
	"github.com/telechan/telechan/mux"
)

// tunnel is the operator's side of the link, which a tunnel can take down:
// every connection the operator made is cut, and new ones fail, until the
// rover is out of the tunnel. The session does not end: it is resumable,
// so it waits, dials again and resumes, and nothing is lost.
type tunnel struct {
	p     linkemu.Profile
	mu    sync.Mutex
	in    bool
	conns []net.Conn
}

// errInTunnel is what a dial meets inside the tunnel.
var errInTunnel = errors.New("no signal: in a tunnel")

// options returns mux options whose handshakes dial through the tunnel
// and the emulated link: what the operator sends is shaped by p.
func (t *tunnel) options() *mux.Options {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			t.mu.Lock()
			in := t.in
			t.mu.Unlock()
			if in {
				return nil, errInTunnel
			}
			var d net.Dialer
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			t.mu.Lock()
			t.conns = append(t.conns, c)
			t.mu.Unlock()
			return linkemu.Wrap(c, t.p), nil
		},
		DisableKeepAlives: true, // the connection becomes the session
	}
	return &mux.Options{HTTPClient: &http.Client{Transport: tr}}
}

// enter takes the link down: every connection is cut mid-stream.
func (t *tunnel) enter() {
	t.mu.Lock()
	t.in = true
	conns := t.conns
	t.conns = nil
	t.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// exit brings the link back.
func (t *tunnel) exit() {
	t.mu.Lock()
	t.in = false
	t.mu.Unlock()
}
