// Package bad holds interfaces rtcgen must refuse.
package bad

import (
	"context"

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
