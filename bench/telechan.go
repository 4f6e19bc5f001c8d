package bench

import (
	"context"
	"errors"
	"time"

	"github.com/telechan/telechan/codec"
	"github.com/telechan/telechan/internal/test/linkemu"
	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
)

// setupTimeout bounds building a connection and its handshake.
const setupTimeout = 20 * time.Second

// rchOptions is what every telechan figure connects with: CBOR, as the
// issue asks for the call figures (and the default anyway).
var rchOptions = &rch.Options{Codecs: []codec.Codec{codec.CBOR}}

// tcPair is a telechan connection as users make it: mux.Handler on an HTTP
// server, mux.Dial on the client, a real WebSocket over loopback TCP
// shaped by p both ways, default options.
type tcPair struct {
	client, server *mux.Session
	srv            *httpServer
}

func dialTelechan(ctx context.Context, p linkemu.Profile) (*tcPair, error) {
	return dialTelechanWith(ctx, p, nil, nil)
}

// noResume turns resumable sessions off, for the figures that compare.
var noResume = &mux.Options{ResumeGrace: -1}

// dialTelechanWith is dialTelechan with mux options o on both sides (nil:
// defaults) and, if sw is not nil, every connection on the switch sw.
func dialTelechanWith(ctx context.Context, p linkemu.Profile, o *mux.Options, sw *linkSwitch) (*tcPair, error) {
	ctx, cancel := context.WithTimeout(ctx, setupTimeout)
	defer cancel()
	sessions := make(chan *mux.Session, 1)
	srv, err := serveHTTPOn(p, sw, mux.Handler(func(ctx context.Context, s *mux.Session) {
		sessions <- s
		<-ctx.Done()
	}, o))
	if err != nil {
		return nil, err
	}
	var co mux.Options
	if o != nil {
		co = *o
	}
	co.HTTPClient = httpClientOn(p, sw)
	client, err := mux.Dial(ctx, srv.url, &co)
	if err != nil {
		srv.close()
		return nil, err
	}
	select {
	case server := <-sessions:
		return &tcPair{client: client, server: server, srv: srv}, nil
	case <-ctx.Done():
		client.Close()
		srv.close()
		return nil, errors.New("bench: no server session")
	}
}

func (tp *tcPair) close() {
	tp.client.Close()
	tp.server.Close()
	tp.srv.close()
}

// bases runs rch.Connect on both sessions of tp: the client's base sends C
// and receives S, the server's the other way round.
func bases[C, S any](ctx context.Context, tp *tcPair) (*rch.Base[C, S], *rch.Base[S, C], error) {
	ctx, cancel := context.WithTimeout(ctx, setupTimeout)
	defer cancel()
	type result struct {
		b   *rch.Base[S, C]
		err error
	}
	ch := make(chan result, 1)
	go func() {
		b, err := rch.Connect[S, C](ctx, tp.server, rchOptions)
		ch <- result{b, err}
	}()
	client, err := rch.Connect[C, S](ctx, tp.client, rchOptions)
	r := <-ch
	if err == nil {
		err = r.err
	}
	if err != nil {
		if client != nil {
			client.Close()
		}
		if r.b != nil {
			r.b.Close()
		}
		return nil, nil, err
	}
	return client, r.b, nil
}
