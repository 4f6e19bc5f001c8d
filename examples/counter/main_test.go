package counter

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/telechan/telechan/examples/internal/exkit"
	"github.com/telechan/telechan/rch/mpsc"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestMainDemo runs both sides in one process with a registry of their own,
// as "go run ./examples/demo counter" does.
func TestMainDemo(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var buf bytes.Buffer
	if err := Main(ctx, nil, &buf); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	for _, want := range []string{
		"the value is 0\n",
		"the watch shows 3\n",
		"the watch shows 7\n",
		"streamed 0 2 4 6 into our channel",
		"(errors.Is ErrOverflow: true)",
		"unregistered at value 7",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, buf.String())
		}
	}
}

// TestSeparateSides runs -serve and -connect as the two processes would,
// against one registry, twice: the second client sees the first's work.
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
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- Main(sctx, []string{"-serve", "-registry", reg.Addr}, w) }()
	for range 2 {
		if err := Main(ctx, []string{"-connect", "-registry", reg.Addr}, w); err != nil {
			t.Errorf("connect: %v\n%s", err, out.String())
		}
	}
	stop()
	if err := <-served; err != nil {
		t.Errorf("serve: %v", err)
	}
	if !strings.Contains(out.String(), "the watch shows 14\n") {
		t.Errorf("the second client did not continue from 7:\n%s", out.String())
	}
}

// TestCloseStopsCounting closes a counter while a count waits for a reader
// that never comes.
func TestCloseStopsCounting(t *testing.T) {
	c := NewLocal()
	if err := c.Increase(t.Context(), 100); err != nil {
		t.Fatal(err)
	}
	tx, rx := mpsc.New[int](1)
	defer rx.Close()
	if err := c.CountToValue(t.Context(), 1, tx); err != nil {
		t.Fatal(err)
	}
	c.Close() // returns only once the counting goroutine has ended
}
