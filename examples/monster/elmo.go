package monster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"io"
	"sync"

	"github.com/telechan/telechan/rch/bin"
)

// ErrTired is what Elmo answers when it has no energy left for a jump.
var ErrTired = errors.New("monster: too tired")

// Elmo is a Monster. Each jump costs a tenth of its energy and each scare a
// twentieth. Its methods may be called concurrently.
//
// Camera starts one goroutine per picture, which writes the picture to its
// stream; Wait waits for them.
type Elmo struct {
	mu     sync.Mutex
	energy float64
	wg     sync.WaitGroup
}

// NewElmo returns a rested Elmo.
func NewElmo() *Elmo { return &Elmo{energy: 1} }

// JumpAround implements Monster.
func (e *Elmo) JumpAround(ctx context.Context) error { return e.spend(0.1) }

// GentlyScareSomeone implements Monster.
func (e *Elmo) GentlyScareSomeone(ctx context.Context, personID int) error {
	if personID <= 0 {
		return fmt.Errorf("monster: no person %d to scare", personID)
	}
	return e.spend(0.05)
}

func (e *Elmo) spend(energy float64) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.energy < energy {
		return ErrTired
	}
	e.energy -= energy
	return nil
}

// EnergyLevel implements Monster.
func (e *Elmo) EnergyLevel(ctx context.Context) (float64, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.energy, nil
}

// Camera implements Monster: it returns the reading end of a stream of
// known size and writes the picture into it from a goroutine of its own.
// The picture flows as the caller reads it, on a stream of its own.
func (e *Elmo) Camera(ctx context.Context) (*bin.Reader, error) {
	img := picture(320, 240, 0xe0, 0x20, 0x30) // Elmo sees red
	w, r := bin.NewSized(int64(len(img)))
	e.wg.Go(func() {
		w.Write(img) // fails only if the caller went away: nothing to do
		w.Close()
	})
	return r, nil
}

// maxPicture bounds what ShowPicture reads.
const maxPicture = 16 << 20

// ShowPicture implements Monster: it reads the whole picture from the
// stream the caller sent along, and says what it sees.
func (e *Elmo) ShowPicture(ctx context.Context, caption string, picture *bin.Reader) (string, error) {
	defer picture.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(picture, maxPicture)); err != nil {
		return "", fmt.Errorf("monster: reading the picture: %w", err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(buf.Bytes()))
	if err != nil {
		return "", fmt.Errorf("monster: that is not a PNG: %w", err)
	}
	return fmt.Sprintf("Elmo loves %q, a %d×%d picture", caption, cfg.Width, cfg.Height), nil
}

// Wait waits for the camera goroutines, which end once their picture is
// read or their connection is gone.
func (e *Elmo) Wait() { e.wg.Wait() }
