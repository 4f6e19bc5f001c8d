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

func TestRunBoth(t *testing.T) {
	var buf bytes.Buffer
	out = &buf
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := runBoth(ctx, 3); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"received 1\n", "received 3\n", "replied on a oneshot", "done:"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, buf.String())
		}
	}
}
