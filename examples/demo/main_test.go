package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestDemo runs "make demo" whole.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("the rover sends 4.5 MiB over an emulated 10 Mbit/s link")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	var buf bytes.Buffer
	if err := run(ctx, nil, &buf); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	for _, want := range []string{"Elmo says: Elmo loves", "errors.Is ErrOverflow: true", "frame 3/3 [", "perseverance: gone", "done: four examples"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, buf.String())
		}
	}
}

// TestOne runs one example by name, and refuses an unknown one.
func TestOne(t *testing.T) {
	var buf bytes.Buffer
	if err := run(t.Context(), []string{"counter"}, &buf); err != nil || !strings.Contains(buf.String(), "the watch shows 7") {
		t.Fatalf("counter: %v\n%s", err, buf.String())
	}
	if err := run(t.Context(), []string{"nosuch"}, &buf); err == nil {
		t.Fatal("an unknown example ran")
	}
}
