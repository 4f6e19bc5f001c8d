// Package ok is rtcgen's golden input: every kind of signature it handles.
package ok

import (
	"context"
	mrand "math/rand"
	"math/rand/v2"
	"time"

	"github.com/telechan/telechan/rch/mpsc"
	"github.com/telechan/telechan/rch/watch"
	"github.com/telechan/telechan/rfn"
)

//go:generate go run github.com/telechan/telechan/cmd/rtcgen -type Robot,Small,Hub -output ok_rtc.go

// rtc is taken: the generated code must import package rtc under another name.
var rtc = "taken"

// Duration is an alias of an imported type.
type Duration = time.Duration

// Pose is a type of this package, unexported names included.
type Pose struct{ X, Y float64 }

type secret struct{ N int }

// Base is embedded.
type Base interface {
	Name(ctx context.Context) (string, error)
}

// Robot uses imported types, aliases, channels, functions and clients.
type Robot interface {
	Base
	Move(ctx context.Context, to Pose, within Duration) (Pose, time.Time, error)
	Status(ctx context.Context) (*watch.Receiver[Pose], error)
	Log(c context.Context, to *mpsc.Sender[string], level int) error
	Adder(ctx context.Context) (*rfn.Func[int, int], error)
	Child(ctx context.Context, name string) (*SmallClient, error)
	Seeds(ctx context.Context, a *mrand.Rand, b *rand.PCG) (map[string][]secret, error)
	Stop(context.Context) error
}

// Small has one method.
type Small interface {
	Ping(ctx context.Context, n int) (int, error)
}

// Hub takes and returns other interfaces of the run: their clients travel,
// as capabilities.
type Hub interface {
	Join(ctx context.Context, member Small, note string) (Small, error)
	Leave(ctx context.Context, member Small) error
}
