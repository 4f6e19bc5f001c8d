package monster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"io"
	"time"

	"github.com/telechan/telechan/examples/internal/exkit"
	"github.com/telechan/telechan/rch/bin"
	"github.com/telechan/telechan/registry"
)

// Visit finds Elmo in the registry, waiting up to 10 s for it to appear,
// and calls each of its methods.
func Visit(ctx context.Context, reg *registry.Options, out *exkit.Writer) error {
	out.Printf("visitor: looking up %q in the registry (waiting up to 10s)", Topic)
	return visit(ctx, reg, out)
}

func visit(ctx context.Context, reg *registry.Options, out *exkit.Writer) error {
	m, closeConn, err := connect(ctx, reg)
	if err != nil {
		return err
	}
	defer closeConn()
	out.Printf("visitor: connected; got a Monster client in the first message")
	if err := m.JumpAround(ctx); err != nil {
		return err
	}
	out.Printf("visitor: Elmo jumped around")
	if err := m.GentlyScareSomeone(ctx, 42); err != nil {
		return err
	}
	out.Printf("visitor: Elmo gently scared person 42")
	err = m.GentlyScareSomeone(ctx, -1)
	out.Printf("visitor: asked to scare person -1, Elmo said: %v", err)
	level, err := m.EnergyLevel(ctx)
	if err != nil {
		return err
	}
	out.Printf("visitor: Elmo's energy level is %.2f", level)
	if err := lookThroughCamera(ctx, m, out); err != nil {
		return err
	}
	return showPicture(ctx, m, out)
}

// connect returns Elmo's client over a fresh connection, and a function
// that closes both.
func connect(ctx context.Context, reg *registry.Options) (*MonsterClient, func(), error) {
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	base, err := registry.ConnectBase[struct{}, *MonsterClient](wait, Topic, reg)
	if err != nil {
		return nil, nil, fmt.Errorf("visitor: finding %q: %w", Topic, err)
	}
	m, err := base.Recv(wait)
	if err != nil {
		base.Close()
		return nil, nil, err
	}
	return m, func() { m.Close(); base.Close() }, nil
}

// lookThroughCamera reads the picture from Elmo's camera.
func lookThroughCamera(ctx context.Context, m Monster, out *exkit.Writer) error {
	r, err := m.Camera(ctx)
	if err != nil {
		return err
	}
	defer r.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(r, maxPicture)); err != nil {
		return err
	}
	cfg, err := png.DecodeConfig(&buf)
	if err != nil {
		return err
	}
	out.Printf("visitor: Elmo's camera streamed a %d×%d PNG (%d bytes announced, all arrived)", cfg.Width, cfg.Height, r.Size())
	return nil
}

// showPicture sends Elmo a picture on a byte stream passed as an argument.
func showPicture(ctx context.Context, m Monster, out *exkit.Writer) error {
	img := picture(64, 48, 0x30, 0x60, 0xe0) // a blue friend
	w, r := bin.NewSized(int64(len(img)))
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	written := make(chan error, 1)
	go func() {
		_, err := w.WriteContext(wctx, img)
		written <- errors.Join(err, w.Close())
	}()
	said, err := m.ShowPicture(ctx, "a blue friend", r)
	if err != nil {
		cancel() // Elmo will not read it all: stop writing
	}
	if werr := <-written; err == nil {
		err = werr
	}
	if err != nil {
		return err
	}
	out.Printf("visitor: showed Elmo a 64×48 picture (%d bytes); Elmo says: %s", len(img), said)
	return nil
}
