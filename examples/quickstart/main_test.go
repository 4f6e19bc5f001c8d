package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The quick start runs and prints what the README says.
func Example_main() {
	main()
	// Output:
	// received 1
	// received 2
	// received 3
}

// TestREADME checks that the README's quick start is main.go from the
// line after its imports on.
func TestREADME(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	_, body, ok := bytes.Cut(src, []byte("\n)\n\n"))
	if !ok {
		t.Fatal("main.go: no import block")
	}
	_, after, ok := bytes.Cut(readme, []byte("## Quick start\n"))
	if !ok {
		t.Fatal(`README.md: no "## Quick start" section`)
	}
	_, block, ok := bytes.Cut(after, []byte("```go\n"))
	block, _, ok2 := bytes.Cut(block, []byte("```\n"))
	if !ok || !ok2 {
		t.Fatal("README.md: no go code block in the quick start")
	}
	if !bytes.Equal(block, body) {
		t.Errorf("the README's quick start differs from examples/quickstart/main.go; paste this:\n%s", body)
	}
}
