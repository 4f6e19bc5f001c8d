// Package bad holds interfaces rtcgen must refuse.
package bad

import (
	"context"
	"io"

	"github.com/telechan/telechan/cmd/rtcgen/testdata/bad/other"
)

type NoCtx interface {
	Feed(food string) error
}

type NoErr interface {
	Sleep(ctx context.Context) int
}

type Variadic interface {
	Roar(ctx context.Context, words ...string) error
}

type Hidden interface {
	other.Iface
}

type Chan interface {
	Stream(ctx context.Context) (chan int, error)
}

type Clash interface {
	Close(ctx context.Context) error
}

type NotIface struct{}

type Twins interface {
	Jump(ctx context.Context) error
	FnJump(ctx context.Context) error
}

type Taken interface {
	Eat(ctx context.Context, what string) error
}

// takenEatArgs is a name rtcgen would need for Taken.
type takenEatArgs struct{}

type ErrArg interface {
	Report(ctx context.Context, err error) error
}

type ErrResult interface {
	Last(ctx context.Context) (error, error)
}

type CtxLate interface {
	Later(ctx context.Context, inner context.Context) error
}

type OtherIface interface {
	Read(ctx context.Context, r io.Reader) error
}

// Envelope hides an interface in a field.
type Envelope struct {
	To   string
	Body io.Reader
}

type Nested interface {
	Send(ctx context.Context, e Envelope) error
}

type Union interface {
	~int | ~string
	Go(ctx context.Context) error
}
