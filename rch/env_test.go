package rch_test

import (
	"context"
	"testing"
	"time"

	"github.com/telechan/telechan/codec"
	"github.com/telechan/telechan/internal/test/muxtest"
	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
)

// env is one transport and one codec: the suite runs every behaviour test
// in each.
type env struct {
	name  string
	pair  func(testing.TB, *mux.Options) (client, server *mux.Session)
	codec codec.Codec
}

func envs() []env {
	var out []env
	for _, tr := range []struct {
		name string
		pair func(testing.TB, *mux.Options) (*mux.Session, *mux.Session)
	}{{"pipe", muxtest.Pair}, {"websocket", muxtest.WebSocketPair}} {
		for _, cd := range []codec.Codec{codec.JSON, codec.CBOR} {
			out = append(out, env{tr.name + "/" + cd.Name(), tr.pair, cd})
		}
	}
	return out
}

// each runs f once per env.
func each(t *testing.T, f func(t *testing.T, e env)) {
	for _, e := range envs() {
		t.Run(e.name, func(t *testing.T) { f(t, e) })
	}
}

// testCtx returns a context that ends the test instead of letting it hang.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// connect joins a client Base[A, B] and a server Base[B, A] over a fresh
// pair; both are closed at cleanup.
func connect[A, B any](t testing.TB, e env, copts, sopts *rch.Options) (*rch.Base[A, B], *rch.Base[B, A]) {
	t.Helper()
	cs, ss := e.pair(t, nil)
	return handshake[A, B, B, A](t, e, cs, ss, copts, sopts)
}

// handshake connects a client Base[A, B] and a server Base[C, D] over cs
// and ss; both are closed at cleanup. Mismatched types let a test send what
// the peer cannot decode.
func handshake[A, B, C, D any](t testing.TB, e env, cs, ss *mux.Session, copts, sopts *rch.Options) (*rch.Base[A, B], *rch.Base[C, D]) {
	t.Helper()
	ctx := testCtx(t)
	withCodec := func(o *rch.Options) *rch.Options {
		var c rch.Options
		if o != nil {
			c = *o
		}
		if c.Codecs == nil {
			c.Codecs = []codec.Codec{e.codec}
		}
		return &c
	}
	type result struct {
		b   *rch.Base[C, D]
		err error
	}
	srv := make(chan result, 1)
	go func() {
		b, err := rch.Connect[C, D](ctx, ss, withCodec(sopts))
		srv <- result{b, err}
	}()
	client, err := rch.Connect[A, B](ctx, cs, withCodec(copts))
	r := <-srv
	if err != nil || r.err != nil {
		t.Fatalf("connect: client %v, server %v", err, r.err)
	}
	t.Cleanup(func() {
		client.Close()
		r.b.Close()
	})
	return client, r.b
}

// collect receives from recv until io.EOF or another error.
func collect[T any](ctx context.Context, recv func(context.Context) (T, error)) ([]T, error) {
	var out []T
	for {
		v, err := recv(ctx)
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
}
