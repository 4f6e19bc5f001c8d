package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGolden compares the output for testdata/ok with the committed
// ok_rtc.go; -update rewrites it.
func TestGolden(t *testing.T) {
	golden := filepath.Join("testdata", "ok", "ok_rtc.go")
	got, err := generate(filepath.Join("testdata", "ok"), []string{"Robot", "Small", "Hub"}, golden)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("output differs from %s (run go test -update):\n%s", golden, got)
	}
}

// TestGoldenCompiles vets the golden package, generated file included: the
// guard var _ Robot = (*RobotClient)(nil) proves the client implements it.
func TestGoldenCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet")
	}
	out, err := exec.Command("go", "vet", "./testdata/ok").CombinedOutput()
	if err != nil {
		t.Fatalf("go vet: %v\n%s", err, out)
	}
}

// TestCommittedUpToDate regenerates every committed rtc file (rtc's
// end-to-end test interfaces and the examples) into a temporary directory
// and checks the committed files match: CI fails on stale output.
func TestCommittedUpToDate(t *testing.T) {
	root := filepath.Join("..", "..")
	for _, c := range []struct{ dir, typ, file string }{
		{"rtc/internal/testiface", "Monster", "monster_rtc.go"},
		{"rtc/internal/testiface", "Counter", "counter_rtc.go"},
		{"examples/monster", "Monster", "monster_rtc.go"},
		{"examples/counter", "Counter", "counter_rtc.go"},
	} {
		dir := filepath.Join(root, filepath.FromSlash(c.dir))
		out := filepath.Join(t.TempDir(), c.file)
		if err := run(dir, []string{c.typ}, out); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(out)
		want, err := os.ReadFile(filepath.Join(dir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s/%s is stale: run go generate ./%s", c.dir, c.file, c.dir)
		}
	}
}

func TestErrors(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "bad", "bad.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ typ, method, reason string }{
		{"NoCtx", "Feed", "first parameter must be context.Context"},
		{"NoErr", "Sleep", "last result must be error"},
		{"Variadic", "Roar", "variadic methods are not supported; take a slice"},
		{"Chan", "Stream", "chan int: a Go channel cannot be sent; use an rch channel"},
		{"Clash", "Close", "the name clashes with the client's own Close method"},
		{"ErrArg", "Report", "error: an error cannot be sent: return it as the method's last result, or send its text"},
		{"ErrResult", "Last", "error: an error cannot be sent: return it as the method's last result, or send its text"},
		{"CtxLate", "Later", "context.Context: a context.Context cannot be sent: take it as the first parameter only"},
		{"OtherIface", "Read", "io.Reader: interface io.Reader cannot be sent: only an interface rtcgen generates in the same run (-type) can, as its client, or any"},
		{"Nested", "Send", "Envelope: interface io.Reader cannot be sent (in Envelope.Body): only an interface rtcgen generates in the same run (-type) can, as its client, or any"},
	} {
		t.Run(tc.typ, func(t *testing.T) {
			want := fmt.Sprintf("testdata/bad/bad.go:%d: rtcgen: %s.%s: %s", lineOf(t, src, "\t"+tc.method+"("), tc.typ, tc.method, tc.reason)
			_, err := generate(filepath.Join("testdata", "bad"), []string{tc.typ}, filepath.Join(t.TempDir(), "x.go"))
			if err == nil || err.Error() != want {
				t.Fatalf("error\n got: %v\nwant: %s", err, want)
			}
		})
	}
	_, err = generate(filepath.Join("testdata", "bad"), []string{"Hidden"}, filepath.Join(t.TempDir(), "x.go"))
	re := regexp.MustCompile(`^testdata/bad/other/other\.go:10: rtcgen: Hidden\.Peek: other\.hidden: hidden is not exported from github.com/telechan/telechan/cmd/rtcgen/testdata/bad/other$`)
	if err == nil || !re.MatchString(err.Error()) {
		t.Fatalf("unexported type from another package: %v", err)
	}
	for typ, want := range map[string]string{
		"NotIface": "rtcgen: NotIface: not an interface",
		"Missing":  "rtcgen: Missing: no such type",
		"Twins":    "rtcgen: Twins.FnJump: the client would have two members named FnJump",
		"Taken":    "bad.go:" + fmt.Sprint(lineOf(t, src, "type takenEatArgs")) + ": rtcgen: Taken.Eat needs the name takenEatArgs, already declared here",
		"Union":    "bad.go:" + fmt.Sprint(lineOf(t, src, "type Union interface")) + ": rtcgen: Union: an interface with type constraints (a union or ~T) has no values to call or serve",
	} {
		_, err := generate(filepath.Join("testdata", "bad"), []string{typ}, filepath.Join(t.TempDir(), "x.go"))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", typ, err, want)
		}
	}
}

func lineOf(t *testing.T, src []byte, s string) int {
	t.Helper()
	i := bytes.Index(src, []byte(s))
	if i < 0 {
		t.Fatalf("%q not in source", s)
	}
	return bytes.Count(src[:i], []byte("\n")) + 1
}
