package etcd_test

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
	"github.com/telechan/telechan/registry/etcd"
)

// TestCommandWithEtcd runs "telechan registry -store etcd -etcd …" as the
// etcd build of the command does, twice on one etcd, and resolves through
// the second what was registered through the first.
func TestCommandWithEtcd(t *testing.T) {
	env := func(stdout io.Writer, stderr *bytes.Buffer) cli.Env {
		return cli.Env{Stdout: stdout, Stderr: stderr, Stores: map[string]cli.StoreOpener{
			"etcd": func(ctx context.Context, endpoints []string) (registry.Store, error) {
				return etcd.Open(ctx, endpoints, nil)
			},
		}}
	}
	start := func() string {
		ctx, cancel := context.WithCancel(t.Context())
		pr, pw := io.Pipe()
		var stderr bytes.Buffer
		code := make(chan int, 1)
		go func() {
			code <- cli.Main(ctx, []string{"registry", "-addr", "127.0.0.1:0", "-store", "etcd", "-etcd", endpoint}, env(pw, &stderr))
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
		if err != nil || !strings.Contains(line, "(store etcd)") {
			t.Fatalf("registry printed %q, %v; stderr %s", line, err, stderr.String())
		}
		return strings.Fields(line)[3]
	}
	url1, url2 := start(), start()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	c, err := registry.Dial(ctx, &registry.Options{Addr: url1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Register(ctx, "cli/elmo", "ws://10.0.0.7:4000/", nil); err != nil {
		t.Fatal(err)
	}
	var out, stderr bytes.Buffer
	if code := cli.Main(ctx, []string{"resolve", "-registry", url2, "cli/elmo"}, env(&out, &stderr)); code != 0 || out.String() != "ws://10.0.0.7:4000/\n" {
		t.Fatalf("resolve through the second server: %d %q %q", code, out.String(), stderr.String())
	}
}
