package monster

import (
	"context"

	"github.com/telechan/telechan/rch/bin"
)

//go:generate go run github.com/telechan/telechan/cmd/rtcgen -type Monster

// Monster is rcom's monster, plus a camera and a picture frame.
type Monster interface {
	// JumpAround makes the monster jump; it costs some energy.
	JumpAround(ctx context.Context) error
	// GentlyScareSomeone scares the person with the given id, gently.
	GentlyScareSomeone(ctx context.Context, personID int) error
	// EnergyLevel tells how much energy is left, from 0 to 1.
	EnergyLevel(ctx context.Context) (float64, error)
	// Camera returns a stream of one PNG image: what the monster sees.
	Camera(ctx context.Context) (*bin.Reader, error)
	// ShowPicture shows the monster a PNG image; it says what it thinks.
	ShowPicture(ctx context.Context, caption string, picture *bin.Reader) (string, error)
}
