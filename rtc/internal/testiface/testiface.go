// Package testiface holds the interfaces rtc's end-to-end tests serve and
// call: rcom's monster and remoc's counter. Its _rtc.go files are generated
// and committed; a test in cmd/rtcgen fails when they are stale.
package testiface

import (
	"context"

	"github.com/telechan/telechan/rch/mpsc"
	"github.com/telechan/telechan/rch/watch"
)

//go:generate go run github.com/telechan/telechan/cmd/rtcgen -type Monster

// Monster is rcom's monster.
type Monster interface {
	JumpAround(ctx context.Context) error
	GentlyScareSomeone(ctx context.Context, personID string) error
	EnergyLevel(ctx context.Context) (float64, error)
}

//go:generate go run github.com/telechan/telechan/cmd/rtcgen -type Counter

// Counter is remoc's counter.
type Counter interface {
	// Value returns the current value.
	Value(ctx context.Context) (int, error)
	// Watch returns a receiver of the value as it changes.
	Watch(ctx context.Context) (*watch.Receiver[int], error)
	// Increase adds by to the value.
	Increase(ctx context.Context, by int) error
	// CountTo sends 1, 2, … n to to and closes it.
	CountTo(ctx context.Context, n int, to *mpsc.Sender[int]) error
	// Keeper returns a Monster the counter keeps: clients in results.
	Keeper(ctx context.Context, name string) (*MonsterClient, error)
	// Visit calls back the monster it is given and returns its energy
	// level: clients in arguments.
	Visit(ctx context.Context, m *MonsterClient) (float64, error)
}
