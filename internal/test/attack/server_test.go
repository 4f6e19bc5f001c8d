package attack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/bin"
	"github.com/telechan/telechan/rch/broadcast"
	"github.com/telechan/telechan/rch/mpsc"
	"github.com/telechan/telechan/rch/watch"
	"github.com/telechan/telechan/rfn"
)

// Msg is what the server accepts from every peer: every kind of half, and
// a field of any type.
type Msg struct {
	Text   string                      `json:"text,omitempty" cbor:"text,omitempty"`
	Reply  *mpsc.Sender[int]           `json:"reply,omitempty" cbor:"reply,omitempty"`
	Frames *mpsc.Sender[[]byte]        `json:"frames,omitempty" cbor:"frames,omitempty"`
	Sub    *broadcast.Receiver[[]byte] `json:"sub,omitempty" cbor:"sub,omitempty"`
	Status *watch.Receiver[[]byte]     `json:"status,omitempty" cbor:"status,omitempty"`
	Upload *bin.Reader                 `json:"upload,omitempty" cbor:"upload,omitempty"`
	Subs   []*mpsc.Sender[int]         `json:"subs,omitempty" cbor:"subs,omitempty"`
	Extra  any                         `json:"extra,omitempty" cbor:"extra,omitempty"`
}

// Hello is what the server sends each peer first: a function to call.
type Hello struct {
	Fn *rfn.Func[string, int] `json:"fn" cbor:"fn"`
}

// stats is what the server says of itself at /stats.
type stats struct {
	Goroutines int   `json:"goroutines"`
	Heap       int64 `json:"heap"`      // heap objects now, garbage included
	PeakHeap   int64 `json:"peak_heap"` // the highest Heap seen since /reset
	PeakLive   int64 `json:"peak_live"` // the highest live heap after a GC
	VmHWM      int64 `json:"vm_hwm"`    // peak resident set of the process
	Frames     int64 `json:"frames"`    // camera frames the server's Send accepted
	Held       int64 `json:"held"`      // halves the server holds unread
}

// serverMain is the server process: it serves until its stdin closes.
func serverMain() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	s := &srv{}
	go s.sample()
	mx := http.NewServeMux()
	mx.Handle("/", mux.Handler(s.serve, nil)) // as the quick start does
	mx.HandleFunc("/stats", s.stats)
	mx.HandleFunc("/reset", func(w http.ResponseWriter, r *http.Request) {
		s.peakHeap.Store(0)
		s.peakLive.Store(0)
	})
	hs := &http.Server{Handler: mx, ReadHeaderTimeout: readHeaderTimeout}
	go hs.Serve(ln)
	fmt.Println("ADDR", ln.Addr())
	buf := make([]byte, 1)
	os.Stdin.Read(buf) // the test closes stdin to stop the server
	os.Exit(0)
}

// readHeaderTimeout is the server's; the quick start uses 10 s, the test a
// shorter one so that the slow-headers attack ends sooner.
const readHeaderTimeout = 2 * time.Second

type srv struct {
	peakHeap, peakLive atomic.Int64
	frames, held       atomic.Int64
}

func (s *srv) serve(ctx context.Context, sess *mux.Session) {
	base, err := rch.Connect[Hello, Msg](ctx, sess, nil)
	if err != nil {
		return
	}
	defer base.Close()
	fn := rfn.New(func(_ context.Context, q string) (int, error) {
		if q == "panic" {
			panic("secret value " + strings.Repeat("x", 8))
		}
		return len(q), nil
	}, nil)
	if base.Send(ctx, Hello{Fn: fn}) != nil {
		return
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	var keep []func() error
	defer func() {
		for _, c := range keep {
			c()
		}
		s.held.Add(-int64(len(keep)))
	}()
	for m, err := range base.All(ctx) {
		if err != nil {
			continue
		}
		for _, sub := range m.Subs {
			sub.Close()
		}
		if m.Reply != nil {
			m.Reply.Send(ctx, 1)
			m.Reply.Close()
		}
		if m.Frames != nil { // the camera: frames until Send fails
			wg.Add(1)
			go func(f *mpsc.Sender[[]byte]) {
				defer wg.Done()
				defer f.Close()
				frame := make([]byte, 64<<10)
				for f.Send(ctx, frame) == nil {
					s.frames.Add(1)
				}
			}(m.Frames)
		}
		for _, h := range []interface{ Close() error }{m.Sub, m.Status, m.Upload} {
			if h != nil && !isNil(h) {
				keep = append(keep, h.Close) // held, never read
				s.held.Add(1)
			}
		}
	}
}

func isNil(h any) bool {
	switch h := h.(type) {
	case *broadcast.Receiver[[]byte]:
		return h == nil
	case *watch.Receiver[[]byte]:
		return h == nil
	case *bin.Reader:
		return h == nil
	}
	return false
}

// sample records the peak heap every millisecond.
func (s *srv) sample() {
	m := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
	for {
		metrics.Read(m)
		raise(&s.peakHeap, int64(m[0].Value.Uint64()))
		raise(&s.peakLive, int64(m[1].Value.Uint64()))
		time.Sleep(time.Millisecond)
	}
}

func raise(p *atomic.Int64, v int64) {
	for {
		old := p.Load()
		if v <= old || p.CompareAndSwap(old, v) {
			return
		}
	}
}

func (s *srv) stats(w http.ResponseWriter, r *http.Request) {
	m := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(m)
	json.NewEncoder(w).Encode(stats{
		Goroutines: runtime.NumGoroutine(),
		Heap:       int64(m[0].Value.Uint64()),
		PeakHeap:   s.peakHeap.Load(),
		PeakLive:   s.peakLive.Load(),
		VmHWM:      procStatus("VmHWM"),
		Frames:     s.frames.Load(),
		Held:       s.held.Load(),
	})
}

// procStatus reads a size in kB from /proc/self/status, in bytes.
func procStatus(key string) int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(v), " kB"), &kb)
			return kb << 10
		}
	}
	return 0
}
