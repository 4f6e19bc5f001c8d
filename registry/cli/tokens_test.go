package cli_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/telechan/telechan/registry"
)

// tokenFile writes content to a file of mode perm in the test's directory.
func tokenFile(t *testing.T, content string, perm os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(p, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, perm); err != nil { // whatever the umask
		t.Fatal(err)
	}
	return p
}

// TestWriteTokenFile: "telechan registry -token-file" makes writes need a
// token; the client commands send one from -token-file or the environment.
func TestWriteTokenFile(t *testing.T) {
	url := startRegistry(t, "-token-file", tokenFile(t, "# robots\nops-91c2\nelmo-7f3a robot/elmo/\n", 0o600))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	anon, err := registry.Dial(ctx, &registry.Options{Addr: url})
	if err != nil {
		t.Fatal(err)
	}
	defer anon.Close()
	if _, err := anon.Register(ctx, "robot/elmo/cam", "ws://a/", nil); !errors.Is(err, registry.ErrUnauthorized) {
		t.Fatalf("Register without a token: %v, want ErrUnauthorized", err)
	}
	robot, err := registry.Dial(ctx, &registry.Options{Addr: url, Token: "elmo-7f3a"})
	if err != nil {
		t.Fatal(err)
	}
	defer robot.Close()
	if _, err := robot.Register(ctx, "robot/elmo/cam", "ws://a/", nil); err != nil {
		t.Fatalf("Register with the robot's token: %v", err)
	}

	_, errs, code := run(t, "unregister", "-registry", url, "robot/elmo/cam")
	if code != 1 || !strings.Contains(errs, "someone else") {
		t.Fatalf("unregister without a token: %d %q", code, errs)
	}
	_, errs, code = run(t, "unregister", "-registry", url, "-token-file", tokenFile(t, "elmo-7f3a\n", 0o600), "robot/elmo/cam")
	if code != 0 {
		t.Fatalf("unregister with the robot's token file: %d %q", code, errs)
	}
	if _, err := robot.Register(ctx, "robot/elmo/cam", "ws://a/", nil); err != nil {
		t.Fatal(err)
	}
	t.Setenv(registry.EnvToken, "ops-91c2")
	if _, errs, code = run(t, "unregister", "-registry", url, "robot/elmo/cam"); code != 0 {
		t.Fatalf("unregister with $%s: %d %q", registry.EnvToken, code, errs)
	}
	if _, errs, code = run(t, "resolve", "-registry", url, "robot/elmo/cam"); code != 1 || !strings.Contains(errs, "not found") {
		t.Fatalf("resolve after unregister: %d %q", code, errs)
	}
}

// TestReadTokenFile: with -read-token-file, the client commands need a read
// token (or a write token) to connect at all.
func TestReadTokenFile(t *testing.T) {
	url := startRegistry(t,
		"-token-file", tokenFile(t, "ops-91c2\n", 0o600),
		"-read-token-file", tokenFile(t, "reader-5b1e\n", 0o600))
	_, errs, code := run(t, "list", "-registry", url)
	if code != 1 || !strings.Contains(errs, "unauthorized") || !strings.Contains(errs, "401") {
		t.Fatalf("list without a token: %d %q", code, errs)
	}
	for _, tok := range []string{"reader-5b1e", "ops-91c2"} {
		if _, errs, code := run(t, "list", "-registry", url, "-token-file", tokenFile(t, tok+"\n", 0o600)); code != 0 {
			t.Fatalf("list with %s: %d %q", tok, code, errs)
		}
	}
}

func TestBadTokenFiles(t *testing.T) {
	for name, args := range map[string][]string{
		"missing file":      {"registry", "-addr", "127.0.0.1:0", "-token-file", filepath.Join(t.TempDir(), "none")},
		"no token":          {"registry", "-addr", "127.0.0.1:0", "-token-file", tokenFile(t, "# nothing\n\n", 0o600)},
		"token twice":       {"registry", "-addr", "127.0.0.1:0", "-token-file", tokenFile(t, "a x/\na y/\n", 0o600)},
		"two client tokens": {"list", "-registry", "ws://127.0.0.1:1/", "-token-file", tokenFile(t, "a\nb\n", 0o600)},
	} {
		if _, errs, code := run(t, args...); code != 1 || errs == "" {
			t.Errorf("%s: exit %d %q, want 1 and a message", name, code, errs)
		}
	}
	// A token file others may read works, with a warning.
	url := startRegistry(t)
	_, errs, code := run(t, "list", "-registry", url, "-token-file", tokenFile(t, "a\n", 0o644))
	if code != 0 || !strings.Contains(errs, "readable by other users") {
		t.Errorf("list with a shared token file: %d %q, want success and a warning", code, errs)
	}
}
