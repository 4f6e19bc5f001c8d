package registry_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/telechan/telechan/registry"
)

// chromium returns the path of Debian's chromium. Without one, it installs
// the package when running as root under CI=true; otherwise the test is
// skipped loudly (or fails under CI=true).
func chromium(t *testing.T) string {
	t.Helper()
	const path = "/usr/bin/chromium"
	ci := os.Getenv("CI") == "true"
	if _, err := os.Stat(path); err != nil && ci && os.Geteuid() == 0 {
		t.Log("chromium is absent: apt-get install -y chromium")
		for _, args := range [][]string{{"update"}, {"install", "-y", "chromium"}} {
			cmd := exec.CommandContext(t.Context(), "apt-get", args...)
			cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Logf("apt-get %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		}
	}
	if _, err := os.Stat(path); err != nil {
		msg := "!!! SKIPPING THE BROWSER TEST: " + path + " is absent; install Debian's chromium package (apt-get install chromium) to run it !!!"
		if ci {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return path
}

// TestStatusPageInChromium opens the status page in headless Chromium and
// checks the DOM: a topic registered before the page loaded is listed, and
// so is one registered only after the page's HTML was served, which the
// page can only know through its live WebSocket watch.
func TestStatusPageInChromium(t *testing.T) {
	bin := chromium(t)
	srv, err := registry.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var live *registry.Client
	served := make(chan struct{}, 1)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.ServeHTTP(w, r)
		if r.Header.Get("Upgrade") == "" && r.URL.Path == "/" {
			select {
			case served <- struct{}{}:
			default:
			}
		}
	}))
	defer hs.Close()
	url := "ws" + strings.TrimPrefix(hs.URL, "http")
	c := dial(t, url)
	if _, err := c.Register(testCtx(t), "robot/elmo", "ws://10.0.0.7:4000/", nil); err != nil {
		t.Fatal(err)
	}
	live = dial(t, url)
	go func() {
		select {
		case <-served:
			live.Register(testCtx(t), "robot/late", "ws://10.0.0.8:4000/", nil)
		case <-t.Context().Done():
		}
	}()

	dom := dumpDOM(t, bin, hs.URL+"/")
	for _, want := range []string{`data-topic="robot/elmo"`, "ws://10.0.0.7:4000/", `data-topic="robot/late"`, `data-state="live"`} {
		if !strings.Contains(dom, want) {
			t.Errorf("the page's DOM lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("DOM:\n%s", dom)
	}
}

// dumpDOM runs headless Chromium on url and returns the DOM after the page
// had a few seconds of (virtual) time to run its script. The browser and
// every process it started are killed before dumpDOM returns.
func dumpDOM(t *testing.T, bin, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
		"--user-data-dir="+t.TempDir(), "--virtual-time-budget=5000", "--dump-dom", url)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // children that outlived the browser
	}
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	return string(out)
}
