package muxtest

import (
	"context"
	"net"
	"net/http"
	"testing"

	"github.com/telechan/telechan/internal/test/linkemu"
	"github.com/telechan/telechan/mux"
)

// LinkPair is [WebSocketPair] over a link emulated by p in both directions:
// the client's connection and each connection the test server accepts are
// wrapped with linkemu.Wrap(conn, p). It shows the whole stack (HTTP
// handshake, WebSocket framing, yamux) on, say, linkemu.FourG; the
// handshake alone takes a few round trips. opts is used on both sides;
// its HTTPClient is replaced by one that dials through the link.
func LinkPair(tb testing.TB, p linkemu.Profile, opts *mux.Options) (client, server *mux.Session) {
	tb.Helper()
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			var d net.Dialer
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return linkemu.Wrap(c, p), nil
		},
		DisableKeepAlives: true, // the one connection is hijacked anyway
	}
	tb.Cleanup(tr.CloseIdleConnections)
	wrap := func(ln net.Listener) net.Listener { return linkListener{ln, p} }
	return webSocketPair(tb, opts, wrap, &http.Client{Transport: tr})
}

// LinkPipePair returns two sessions made by mux.Client and mux.Server over
// linkemu.Pipe(p), without WebSocket: the cheapest way onto an emulated
// link.
func LinkPipePair(tb testing.TB, p linkemu.Profile, opts *mux.Options) (client, server *mux.Session) {
	tb.Helper()
	cc, sc := linkemu.Pipe(p)
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

// linkListener wraps each connection it accepts with linkemu.Wrap.
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
