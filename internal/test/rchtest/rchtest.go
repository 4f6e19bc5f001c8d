// Package rchtest runs channel tests over every transport and codec: the
// in-memory pair and a loopback WebSocket, each under JSON and CBOR.
package rchtest

import (
	"context"
	"testing"
	"time"

	"github.com/telechan/telechan/codec"
	"github.com/telechan/telechan/internal/test/muxtest"
	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
)

// Env is one transport and one codec: a suite runs every behaviour test in
// each.
type Env struct {
	Name  string
	Pair  func(testing.TB, *mux.Options) (client, server *mux.Session)
	Codec codec.Codec
}

// Envs returns every transport × codec combination.
func Envs() []Env {
	var out []Env
	for _, tr := range []struct {
		name string
		pair func(testing.TB, *mux.Options) (*mux.Session, *mux.Session)
	}{{"pipe", muxtest.Pair}, {"websocket", muxtest.WebSocketPair}} {
		for _, cd := range []codec.Codec{codec.JSON, codec.CBOR} {
			out = append(out, Env{tr.name + "/" + cd.Name(), tr.pair, cd})
		}
	}
	return out
}

// Each runs f once per Env, as subtests.
func Each(t *testing.T, f func(t *testing.T, e Env)) {
	for _, e := range Envs() {
		t.Run(e.Name, func(t *testing.T) { f(t, e) })
	}
}

// Ctx returns a context that ends the test instead of letting it hang.
func Ctx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// Connect joins a client Base[A, B] and a server Base[B, A] over a fresh
// pair; both are closed at cleanup.
func Connect[A, B any](t testing.TB, e Env, copts, sopts *rch.Options) (*rch.Base[A, B], *rch.Base[B, A]) {
	t.Helper()
	cs, ss := e.Pair(t, nil)
	return Handshake[A, B, B, A](t, e, cs, ss, copts, sopts)
}

// Handshake connects a client Base[A, B] and a server Base[C, D] over cs
// and ss; both are closed at cleanup. Mismatched types let a test send what
// the peer cannot decode.
func Handshake[A, B, C, D any](t testing.TB, e Env, cs, ss *mux.Session, copts, sopts *rch.Options) (*rch.Base[A, B], *rch.Base[C, D]) {
	t.Helper()
	ctx := Ctx(t)
	withCodec := func(o *rch.Options) *rch.Options {
		var c rch.Options
		if o != nil {
			c = *o
		}
		if c.Codecs == nil {
			c.Codecs = []codec.Codec{e.Codec}
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

// Collect receives from recv until io.EOF or another error.
func Collect[T any](ctx context.Context, recv func(context.Context) (T, error)) ([]T, error) {
	var out []T
	for {
		v, err := recv(ctx)
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
}
