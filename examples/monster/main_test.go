package monster

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/telechan/telechan/examples/internal/exkit"
	"github.com/telechan/telechan/rfn"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestMainDemo runs both sides in one process with a registry of their own,
// as "go run ./examples/demo monster" does.
func TestMainDemo(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var buf bytes.Buffer
	if err := Main(ctx, nil, &buf); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	for _, want := range []string{
		"Elmo jumped around",
		"gently scared person 42",
		"scare person -1, Elmo said: rfn: failed: monster: no person -1 to scare",
		"energy level is 0.85",
		"camera streamed a 320×240 PNG",
		`Elmo says: Elmo loves "a blue friend", a 64×48 picture`,
		"elmo: unregistered",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, buf.String())
		}
	}
}

// TestSeparateSides runs -serve and -visit as the two processes would,
// against one registry: the visitor comes first and waits.
func TestSeparateSides(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	reg, err := exkit.StartRegistry()
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	var out bytes.Buffer
	w := exkit.NewWriter(&out)
	visited := make(chan error, 1)
	go func() { visited <- Main(ctx, []string{"-visit", "-registry", reg.Addr}, w) }()
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- Main(sctx, []string{"-serve", "-registry", reg.Addr}, w) }()
	if err := <-visited; err != nil {
		t.Errorf("visit: %v\n%s", err, out.String())
	}
	stop()
	if err := <-served; err != nil {
		t.Errorf("serve: %v", err)
	}
}

// TestTired checks that Elmo's own error reaches the caller with its
// message, and that a visitor with nobody to visit gives up.
func TestTired(t *testing.T) {
	ctx := t.Context()
	elmo := NewElmo()
	var err error
	for range 11 {
		err = elmo.JumpAround(ctx)
	}
	if !errors.Is(err, ErrTired) {
		t.Fatalf("eleventh jump: %v", err)
	}
	reg, rerr := exkit.StartRegistry()
	if rerr != nil {
		t.Fatal(rerr)
	}
	defer reg.Close()
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, _, err = connect(short, reg.Options())
	if !errors.Is(err, context.DeadlineExceeded) || rfn.KindOf(err) != 0 {
		t.Fatalf("visiting nobody: %v, want the context's error", err)
	}
}
