package attack_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/mpsc"
)

// budget is the server's memory budget: rch's default MaxMemory, since
// the server uses default options.
const budget = 64 << 20

// slack is what the server's heap may hold beyond its budget at peak: the
// runtime, garbage not yet collected, stream bookkeeping.
const slack = 32 << 20

// server is the server process.
type server struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	addr  string
	done  chan struct{} // closed when the process has exited
	err   error         // how it exited
}

// startServer starts a server process and stops it at the end of the test.
func startServer(t *testing.T) *server {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "TELECHAN_ATTACK_SERVER=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ADDR ") {
		cmd.Process.Kill()
		t.Fatalf("server process: %q, %v", line, err)
	}
	s.addr = strings.TrimSpace(strings.TrimPrefix(line, "ADDR "))
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		stdin.Close()
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-s.done
		}
	})
	return s
}

func (s *server) url() string { return "ws://" + s.addr + "/" }

// alive reports whether the process still runs.
func (s *server) alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// stats asks the server for its figures.
func (s *server) stats() (stats, error) {
	var st stats
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + s.addr + "/stats")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&st)
	return st, err
}

func (s *server) reset() {
	resp, err := http.Get("http://" + s.addr + "/reset")
	if err == nil {
		resp.Body.Close()
	}
}

// settle waits until the server's goroutine count has not moved for a
// while, and returns it.
func (s *server) settle(t *testing.T, atMost int) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	last, same := -1, 0
	for time.Now().Before(deadline) {
		st, err := s.stats()
		if err != nil {
			t.Fatalf("server: %v (alive %v, exit %v)", err, s.alive(), s.err)
		}
		if st.Goroutines == last && (atMost < 0 || st.Goroutines <= atMost) {
			if same++; same >= 5 {
				return last
			}
		} else {
			same = 0
		}
		last = st.Goroutines
		time.Sleep(50 * time.Millisecond) // sampling a process from outside
	}
	return last
}

// bystander is a well-behaved client making round trips through the
// server while an attack runs.
type bystander struct {
	base *rch.Base[Msg, Hello]
	stop chan struct{}
	done chan struct{}
	mu   sync.Mutex
	rtts []time.Duration
	errs []error
}

func startBystander(t *testing.T, s *server) *bystander {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, err := mux.Dial(ctx, s.url(), nil)
	if err != nil {
		t.Fatal(err)
	}
	base, err := rch.Connect[Msg, Hello](ctx, sess, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := base.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h.Fn.Close()
	b := &bystander{base: base, stop: make(chan struct{}), done: make(chan struct{})}
	go b.run()
	t.Cleanup(func() { b.halt(); base.Close() })
	return b
}

// run makes a round trip every 5 ms until halted.
func (b *bystander) run() {
	defer close(b.done)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		start := time.Now()
		tx, rx := mpsc.New[int](1)
		err := b.base.Send(ctx, Msg{Text: "hi", Reply: tx})
		if err == nil {
			_, err = rx.Recv(ctx)
		}
		rx.Close()
		cancel()
		b.mu.Lock()
		if err != nil {
			b.errs = append(b.errs, err)
		} else {
			b.rtts = append(b.rtts, time.Since(start))
		}
		b.mu.Unlock()
	}
}

func (b *bystander) halt() {
	select {
	case <-b.stop:
	default:
		close(b.stop)
	}
	<-b.done
}

// p99 returns the round trips made and their 99th percentile.
func (b *bystander) p99() (int, time.Duration, []error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := slices.Clone(b.rtts)
	slices.Sort(r)
	if len(r) == 0 {
		return 0, 0, b.errs
	}
	return len(r), r[len(r)*99/100], b.errs
}

// outcome is what one attack did to the server.
type outcome struct {
	name            string
	died            bool
	exit            string
	peakHeap, hwm   int64
	peakLive        int64
	before, after   int
	peakGoroutines  int
	trips           int
	p99             time.Duration
	bystanderErrors int
	frames, held    int64
}

// attack runs f against a fresh server with a bystander, for as long as
// f takes, and reports and checks what it did. f returns a function that
// ends the attack (closing its connections), or nil.
func attack(t *testing.T, name string, f func(t *testing.T, s *server, sample func()) func()) outcome {
	t.Helper()
	s := startServer(t)
	by := startBystander(t, s)
	before := s.settle(t, -1)
	s.reset()
	o := outcome{name: name, before: before}
	sample := func() { // the attack calls it while it runs
		if st, err := s.stats(); err == nil {
			o.peakGoroutines = max(o.peakGoroutines, st.Goroutines)
		}
	}
	end := f(t, s, sample)
	sample()
	st, err := s.stats()
	if end != nil {
		end()
	}
	by.halt()
	o.trips, o.p99, _ = by.p99()
	_, _, errs := by.p99()
	o.bystanderErrors = len(errs)
	if err != nil || !s.alive() {
		o.died = true
		<-s.done
		o.exit = fmt.Sprint(s.err)
		report(t, o)
		t.Fatalf("%s: the server died: %s", name, o.exit)
	}
	o.peakHeap, o.peakLive, o.hwm, o.frames, o.held = st.PeakHeap, st.PeakLive, st.VmHWM, st.Frames, st.Held
	o.after = s.settle(t, before+2)
	report(t, o)
	check(t, o, errs)
	return o
}

// check asserts what every attack must leave true.
func check(t *testing.T, o outcome, errs []error) {
	t.Helper()
	if o.died {
		t.Fatalf("%s: the server died: %s", o.name, o.exit)
	}
	if o.peakHeap > budget+slack {
		t.Errorf("%s: peak heap %d MiB, over the budget (%d MiB) plus %d MiB", o.name, o.peakHeap>>20, budget>>20, slack>>20)
	}
	if o.after > o.before+2 {
		t.Errorf("%s: %d goroutines after the attack, %d before", o.name, o.after, o.before)
	}
	if o.trips == 0 || len(errs) > 0 {
		t.Errorf("%s: the bystander made %d round trips, with errors %v", o.name, o.trips, errs)
	}
}

// report logs o, and appends it to $TELECHAN_ATTACK_REPORT if set.
func report(t *testing.T, o outcome) {
	line := fmt.Sprintf("%-22s died=%-5v peak_heap=%4d MiB peak_live=%4d MiB vm_hwm=%4d MiB goroutines %d→peak %d→%d bystander %d trips p99 %v errors %d frames=%d held=%d %s",
		o.name, o.died, o.peakHeap>>20, o.peakLive>>20, o.hwm>>20, o.before, o.peakGoroutines, o.after, o.trips, o.p99.Round(100*time.Microsecond), o.bystanderErrors, o.frames, o.held, o.exit)
	t.Log(line)
	if p := os.Getenv("TELECHAN_ATTACK_REPORT"); p != "" {
		f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			fmt.Fprintln(f, line)
			f.Close()
		}
	}
}
