package rch_test

import (
	"context"
	"testing"

	"github.com/telechan/telechan/internal/test/rchtest"
	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
)

// Short names for the shared channel-test helpers.
type env = rchtest.Env

var (
	envs    = rchtest.Envs
	each    = rchtest.Each
	testCtx = rchtest.Ctx
)

func connect[A, B any](t testing.TB, e env, copts, sopts *rch.Options) (*rch.Base[A, B], *rch.Base[B, A]) {
	t.Helper()
	return rchtest.Connect[A, B](t, e, copts, sopts)
}

func handshake[A, B, C, D any](t testing.TB, e env, cs, ss *mux.Session, copts, sopts *rch.Options) (*rch.Base[A, B], *rch.Base[C, D]) {
	t.Helper()
	return rchtest.Handshake[A, B, C, D](t, e, cs, ss, copts, sopts)
}

func collect[T any](ctx context.Context, recv func(context.Context) (T, error)) ([]T, error) {
	return rchtest.Collect(ctx, recv)
}
