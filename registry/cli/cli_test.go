package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/telechan/telechan/registry"
	"github.com/telechan/telechan/registry/cli"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// startRegistry runs "telechan registry" on a free port and returns its URL.
func startRegistry(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	code := make(chan int, 1)
	go func() {
		code <- cli.Main(ctx, append([]string{"registry", "-addr", "127.0.0.1:0"}, args...), cli.Env{Stdout: pw, Stderr: &stderr})
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if c := <-code; c != 0 {
			t.Errorf("registry exited with %d: %s", c, stderr.String())
		}
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	go io.Copy(io.Discard, pr)
	if err != nil {
		t.Fatalf("registry printed %q, %v; stderr %s", line, err, stderr.String())
	}
	f := strings.Fields(line)
	if len(f) < 4 || !strings.HasPrefix(f[3], "ws://") {
		t.Fatalf("unexpected first line %q", line)
	}
	return f[3]
}

func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	code := cli.Main(ctx, args, cli.Env{Stdout: &out, Stderr: &errb})
	return out.String(), errb.String(), code
}

func TestRegistryResolveList(t *testing.T) {
	url := startRegistry(t)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	c, err := registry.Dial(ctx, &registry.Options{Addr: url})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Register(ctx, "robot/elmo", "ws://10.0.0.7:4000/", nil); err != nil {
		t.Fatal(err)
	}
	out, errs, code := run(t, "resolve", "-registry", url, "robot/elmo")
	if code != 0 || out != "ws://10.0.0.7:4000/\n" {
		t.Fatalf("resolve: %d %q %q", code, out, errs)
	}
	t.Setenv(registry.EnvAddr, url)
	out, errs, code = run(t, "list", "robot/")
	if code != 0 || !strings.HasPrefix(out, "robot/elmo\tws://10.0.0.7:4000/\t") {
		t.Fatalf("list: %d %q %q", code, out, errs)
	}
	_, errs, code = run(t, "resolve", "nobody")
	if code != 1 || !strings.Contains(errs, "not found") {
		t.Fatalf("resolve nobody: %d %q", code, errs)
	}
}

func TestBadUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"frobnicate"}, {"registry", "-nosuchflag"}} {
		if _, _, code := run(t, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	_, errs, code := run(t, "registry", "-addr", "127.0.0.1:0", "-store", "etcd")
	if code != 1 || !strings.Contains(errs, "etcd module") {
		t.Errorf("-store etcd in the core build: %d %q", code, errs)
	}
	_, errs, code = run(t, "registry", "-tls-cert", "x.pem")
	if code != 1 || !strings.Contains(errs, "go together") {
		t.Errorf("-tls-cert alone: %d %q", code, errs)
	}
}
