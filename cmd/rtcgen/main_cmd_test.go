package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommand builds rtcgen and runs it the way go:generate does: a bad
// interface exits 1 with file:line on stderr, a good one writes the
// default output file, which compiles, and whose client is called from a
// peer.
func TestCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds rtcgen")
	}
	bin := filepath.Join(t.TempDir(), "rtcgen")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-type", "Variadic")
	cmd.Dir = filepath.Join("testdata", "bad")
	out, err := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 1 || !strings.HasPrefix(string(out), "bad.go:") ||
		!strings.Contains(string(out), ": rtcgen: Variadic.Roar: variadic") {
		t.Fatalf("bad interface: %v\n%s", err, out)
	}

	src, err := os.ReadFile(filepath.Join("testdata", "ok", "ok.go"))
	if err != nil {
		t.Fatal(err)
	}
	// A copy inside the module, so that it can import telechan.
	pkgDir, err := os.MkdirTemp("testdata", "tmp")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(pkgDir) })
	if err := os.WriteFile(filepath.Join(pkgDir, "ok.go"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command(bin, "-type", "Small,Robot,Hub")
	cmd.Dir = pkgDir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("rtcgen: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(pkgDir, "small_rtc.go")); err != nil {
		t.Fatal("no default output file:", err)
	}
	if out, err := exec.Command("go", "vet", "./"+filepath.ToSlash(pkgDir)).CombinedOutput(); err != nil {
		t.Fatalf("go vet of the fresh output: %v\n%s", err, out)
	}
	// Then call through the fresh client, sent to a peer over each
	// transport and codec.
	if err := os.WriteFile(filepath.Join(pkgDir, "call_test.go"), []byte(callTest), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("go", "test", "-count=1", "./"+filepath.ToSlash(pkgDir)).CombinedOutput(); err != nil {
		t.Fatalf("calling the fresh output: %v\n%s", err, out)
	}
}

// callTest is a test of the package rtcgen just generated: it serves Small,
// sends the client to a peer and calls it there.
const callTest = `package ok

import (
	"context"
	"testing"

	"github.com/telechan/telechan/internal/test/rchtest"
)

type small struct{}

func (small) Ping(_ context.Context, n int) (int, error) { return n + 1, nil }

type carry struct {
	C *SmallClient ` + "`json:\"c\"`" + `
}

func TestGeneratedCall(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		a, b := rchtest.Connect[carry, carry](t, e, nil, nil)
		served := ServeSmall(small{}, nil)
		done := served.Done()
		if err := a.Send(ctx, carry{C: served}); err != nil {
			t.Fatal(err)
		}
		got, err := b.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := got.C.Ping(ctx, 41); n != 42 || err != nil {
			t.Fatalf("Ping(41) = %d, %v", n, err)
		}
		got.C.Close()
		select {
		case <-done:
		case <-ctx.Done():
			t.Fatal("serving never stopped")
		}
	})
}

// hub calls back the member it is given, then returns a Small of its own.
type hub struct{}

func (hub) Join(ctx context.Context, m Small, note string) (Small, error) {
	n, err := m.Ping(ctx, len(note)) // a call back to the caller's side
	if err != nil {
		return nil, err
	}
	m.(*SmallClient).Close()
	return plus{n}, nil
}

func (hub) Leave(ctx context.Context, m Small) error {
	defer m.(*SmallClient).Close()
	_, err := m.Ping(ctx, 0)
	return err
}

type plus struct{ n int }

func (p plus) Ping(_ context.Context, n int) (int, error) { return n + p.n, nil }

type hubCarry struct {
	H *HubClient ` + "`json:\"h\"`" + `
}

// TestCapabilities: a method takes a Small, here a local implementation
// (its client travels and the far side calls back through it), and
// returns one (an implementation on the far side, whose client comes back).
func TestCapabilities(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		a, b := rchtest.Connect[hubCarry, hubCarry](t, e, nil, nil)
		if err := a.Send(ctx, hubCarry{H: ServeHub(hub{}, nil)}); err != nil {
			t.Fatal(err)
		}
		got, err := b.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer got.H.Close()
		back, err := got.H.Join(ctx, small{}, "four") // small{}.Ping(4) = 5
		if err != nil {
			t.Fatal(err)
		}
		if n, err := back.Ping(ctx, 1); n != 6 || err != nil {
			t.Fatalf("the returned Small: Ping(1) = %d, %v; want 6", n, err)
		}
		back.(*SmallClient).Close()
		if err := got.H.Leave(ctx, small{}); err != nil {
			t.Fatal(err)
		}
	})
}
`
