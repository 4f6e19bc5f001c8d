package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/telechan/telechan/registry"
	"go.uber.org/goleak"
)

// TestMain runs main instead of the tests when the test binary is started
// as the command by TestCommand.
func TestMain(m *testing.M) {
	if os.Getenv("TELECHAN_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	goleak.VerifyTestMain(m)
}

// command starts this test binary as the telechan command.
func command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), "TELECHAN_TEST_RUN_MAIN=1")
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// TestCommand runs "telechan registry" as a process, uses it, and stops
// it with SIGINT, as a user would.
func TestCommand(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	srv := command(ctx, "registry", "-addr", "127.0.0.1:0")
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		srv.Process.Kill()
		srv.Wait()
		t.Fatalf("first line %q: %v", line, err)
	}
	url := strings.Fields(line)[3]

	c, err := registry.Dial(ctx, &registry.Options{Addr: url})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Register(ctx, "elmo", "ws://10.0.0.7:4000/", nil); err != nil {
		t.Fatal(err)
	}
	out, err := command(ctx, "resolve", "-registry", url, "elmo").Output()
	if err != nil || string(out) != "ws://10.0.0.7:4000/\n" {
		t.Fatalf("telechan resolve: %q, %v", out, err)
	}
	c.Close()

	srv.Process.Signal(syscall.SIGINT)
	if err := srv.Wait(); err != nil {
		t.Fatalf("telechan registry after SIGINT: %v", err)
	}
}

func TestUsage(t *testing.T) {
	err := command(t.Context()).Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		t.Fatalf("telechan with no command: %v, want exit status 2", err)
	}
}
