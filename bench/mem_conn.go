package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"time"

	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
)

// The idle-connection figure needs the server alone in a process, so the
// client side runs in a child process: this binary again, with helperEnv
// set. Binaries that use the package call [Helper] first thing in main
// (or TestMain).
const helperEnv = "TELECHAN_BENCH_HELPER"

// Helper runs the child side of a measurement and exits, if this process
// was started as one; otherwise it returns at once.
func Helper() {
	addr := os.Getenv(helperEnv)
	if addr == "" {
		return
	}
	if err := connClient(addr, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench helper:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// connClient is the child: it opens one telechan connection to addr (the
// warm-up) and writes a line, then on each line "n" it reads it opens n
// more and writes a line; at EOF on in it closes them all and returns.
func connClient(addr string, in io.Reader, out io.Writer) error {
	ctx := context.Background()
	var bases []*rch.Base[struct{}, struct{}]
	defer func() {
		for _, b := range bases {
			b.Close()
		}
	}()
	dial := func(k int) error {
		for range k {
			s, err := mux.Dial(ctx, addr, nil)
			if err != nil {
				return err
			}
			b, err := rch.Connect[struct{}, struct{}](ctx, s, rchOptions)
			if err != nil {
				s.Close()
				return err
			}
			bases = append(bases, b)
		}
		_, err := fmt.Fprintln(out, len(bases))
		return err
	}
	if err := dial(1); err != nil {
		return err
	}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		k, err := strconv.Atoi(sc.Text())
		if err != nil {
			return err
		}
		if err := dial(k); err != nil {
			return err
		}
	}
	return sc.Err()
}

// connServer is the server side: every connection runs rch.Connect and
// then idles until the connection ends.
type connServer struct {
	srv *httpServer
	mu  sync.Mutex
	n   int   // connections past their handshake
	err error // the first failed handshake
}

func (cs *connServer) serve(ctx context.Context, s *mux.Session) {
	b, err := rch.Connect[struct{}, struct{}](ctx, s, rchOptions)
	cs.mu.Lock()
	if err != nil && cs.err == nil {
		cs.err = err
	}
	if err == nil {
		cs.n++
	}
	cs.mu.Unlock()
	if err != nil {
		return
	}
	defer b.Close()
	<-ctx.Done()
}

// waitFor waits until n connections are past their handshake.
func (cs *connServer) waitFor(n int) error {
	for end := time.Now().Add(setupTimeout); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		cs.mu.Lock()
		got, err := cs.n, cs.err
		cs.mu.Unlock()
		if err != nil || got >= n {
			return err
		}
	}
	return errors.New("bench: idle connections did not all arrive")
}

// measureIdleConns opens n idle telechan connections from a child process
// to a server in this one (loopback WebSocket, handshake done, no
// channel) and returns the server's growth per connection.
func measureIdleConns(ctx context.Context, n int) (bytes, goroutines float64, err error) {
	if os.Getenv(heapProfileEnv) != "" {
		runtime.MemProfileRate = 64 // fine enough to see each connection's pieces
	}
	cs := &connServer{}
	cs.srv, err = serveHTTP(lan, mux.Handler(cs.serve, nil))
	if err != nil {
		return 0, 0, err
	}
	defer cs.srv.close()
	exe, err := os.Executable()
	if err != nil {
		return 0, 0, err
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), helperEnv+"="+cs.srv.url)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 0, 0, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	defer func() {
		stdin.Close() // the child closes its connections and exits
		if werr := cmd.Wait(); err == nil && werr != nil {
			err = fmt.Errorf("bench helper: %w", werr)
		}
	}()
	lines := bufio.NewScanner(stdout)
	step := func(want int) error {
		if !lines.Scan() {
			return fmt.Errorf("bench helper ended early: %v", lines.Err())
		}
		return cs.waitFor(want)
	}
	if err := step(1); err != nil {
		return 0, 0, err
	}
	settle()
	before := snapshot()
	if _, err := fmt.Fprintln(stdin, n); err != nil {
		return 0, 0, err
	}
	if err := step(1 + n); err != nil {
		return 0, 0, err
	}
	settle()
	bytes, goroutines = perItem(before, snapshot(), n)
	if path := os.Getenv(heapProfileEnv); path != "" {
		err = writeHeapProfile(path)
	}
	return bytes, goroutines, err
}

// heapProfileEnv names a file the idle-channel and idle-connection
// figures write a heap profile to once their objects are made (the
// server's alone, for connections): what each one holds, for go tool
// pprof -sample_index=inuse_space.
const heapProfileEnv = "TELECHAN_BENCH_HEAPPROFILE"

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
