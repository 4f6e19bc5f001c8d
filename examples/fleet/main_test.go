package fleet

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/telechan/telechan/examples/internal/exkit"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestMainDemo plays the whole scene in one process, as
// "go run ./examples/demo fleet" does.
func TestMainDemo(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var buf bytes.Buffer
	if err := Main(ctx, nil, &buf); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	for _, want := range []string{
		"operator: registry watch: spirit joined",
		"operator: spirit: first status through broadcast",
		"operator: opportunity: first status",
		"operator: registry watch: opportunity left",
		"operator: perseverance: first status",
		"perseverance: gone",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, buf.String())
		}
	}
}

// TestSeparateSides runs -operator and two -rover as the processes would,
// against one registry, and stops a rover: the operator sees it leave.
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
	seen := make(chan Sighting, 64)
	octx, stopOp := context.WithCancel(ctx)
	operated := make(chan error, 1)
	go func() {
		operated <- Operate(octx, reg.Options(), w, func(s Sighting) {
			select {
			case seen <- s:
			case <-octx.Done():
			}
		})
	}()
	rctx, stopRover := context.WithCancel(ctx)
	roved := make(chan error, 2)
	for _, name := range []string{"a", "b"} {
		go func() { roved <- Main(rctx, []string{"-rover", name, "-registry", reg.Addr, "-period", "10ms"}, w) }()
	}
	await(t, seen, Sighting{"status", "a"}, Sighting{"status", "b"})
	stopRover()
	await(t, seen, Sighting{"left", "a"}, Sighting{"left", "b"}, Sighting{"ended", "a"}, Sighting{"ended", "b"})
	for range 2 {
		if err := <-roved; err != nil {
			t.Errorf("rover: %v", err)
		}
	}
	stopOp()
	if err := <-operated; err != nil {
		t.Errorf("operator: %v", err)
	}
}

// await waits until every one of want was seen.
func await(t *testing.T, seen <-chan Sighting, want ...Sighting) {
	t.Helper()
	left := map[Sighting]bool{}
	for _, s := range want {
		left[s] = true
	}
	for len(left) > 0 {
		select {
		case s := <-seen:
			delete(left, s)
		case <-t.Context().Done():
			t.Fatalf("never saw %v", left)
		}
	}
}
