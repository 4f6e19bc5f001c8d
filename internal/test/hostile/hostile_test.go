package hostile_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/telechan/telechan/codec"
	"github.com/telechan/telechan/internal/test/faulttest"
	"github.com/telechan/telechan/internal/wire"
	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/mpsc"
)

// Msg is what the server accepts from every peer.
type Msg struct {
	Text  string              `json:"text,omitempty" cbor:"text,omitempty"`
	Reply *mpsc.Sender[int]   `json:"reply,omitempty" cbor:"reply,omitempty"`
	Subs  []*mpsc.Sender[int] `json:"subs,omitempty" cbor:"subs,omitempty"`
}

// server runs rch over each session handed to serve: it answers every
// Msg with a Reply by sending 1 on it, and reports each Recv error.
type server struct {
	t    *testing.T
	opts *rch.Options
	wg   sync.WaitGroup
}

func newServer(t *testing.T, opts *rch.Options) *server {
	s := &server{t: t, opts: opts}
	t.Cleanup(s.wg.Wait)
	return s
}

// serve runs the server side of one connection over ss until it ends,
// reporting the outcome of every Recv on the channel it returns.
func (s *server) serve(ss *mux.Session) <-chan error {
	errs := make(chan error, 1024)
	report := func(err error) {
		select {
		case errs <- err:
		default:
		}
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		base, err := rch.Connect[struct{}, Msg](ctx, ss, s.opts)
		if err != nil {
			report(err)
			return
		}
		defer base.Close()
		for {
			m, err := base.Recv(ctx)
			report(err)
			if err != nil {
				if errors.Is(err, rch.ErrDecode) || errors.Is(err, rch.ErrTooLarge) {
					continue
				}
				return
			}
			for _, sub := range m.Subs {
				sub.Close()
			}
			if m.Reply != nil {
				m.Reply.Send(ctx, 1)
				m.Reply.Close()
			}
		}
	}()
	return errs
}

// nextErr waits for the server to report the outcome of a Recv on r's
// connection: nil for a message, or the error.
func (r *raw) nextErr(t *testing.T) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	select {
	case err := <-r.errs:
		return err
	case <-ctx.Done():
		pprof.Lookup("goroutine").WriteTo(os.Stderr, 1) // where it hangs
		t.Fatalf("the server reported nothing: %v", ctx.Err())
		return nil
	}
}

// good connects a well-behaved client to s and returns a function that
// makes one round trip through the server, failing the test if it fails.
func (s *server) good(t *testing.T) func() {
	cs, ss := pipePair(t, nil)
	s.serve(ss)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	base, err := rch.Connect[Msg, struct{}](ctx, cs, s.opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { base.Close() })
	return func() {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		tx, rx := mpsc.New[int](1)
		if err := base.Send(ctx, Msg{Text: "hi", Reply: tx}); err != nil {
			t.Fatalf("good connection: Send: %v", err)
		}
		if v, err := rx.Recv(ctx); err != nil || v != 1 {
			t.Fatalf("good connection: Recv = %v, %v", v, err)
		}
		rx.Close()
	}
}

// pipePair is two sessions over a net.Pipe; sopts is the server's.
func pipePair(t *testing.T, sopts *mux.Options) (client, server *mux.Session) {
	a, b := net.Pipe()
	client, err := mux.Client(a, &mux.Options{KeepAliveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	server, err = mux.Server(b, sopts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// raw is a hostile peer: a yamux client that did the telechan handshake by
// hand and holds the base stream.
type raw struct {
	sess *mux.Session
	base *mux.Stream
	errs <-chan error
}

// dialRaw connects a raw peer to s, proposing codecName.
func (s *server) dialRaw(t *testing.T, codecName string) *raw {
	cs, ss := pipePair(t, nil)
	errs := s.serve(ss)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := cs.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := wire.WriteHello(st, wire.Version, wire.Hello{Codecs: []string{codecName}, MaxItem: 1 << 20}); err != nil {
		t.Fatal(err)
	}
	_, body, err := wire.ReadHello(st)
	if err != nil {
		t.Fatal(err)
	}
	if w, err := wire.ParseWelcome(body); err != nil || w.Codec != codecName {
		t.Fatalf("welcome %+v, %v", w, err)
	}
	return &raw{cs, st, errs}
}

// item writes one Item frame on the base stream.
func (r *raw) item(t *testing.T, payload []byte) {
	t.Helper()
	if err := wire.WriteFrame(r.base, wire.Item, payload); err != nil {
		t.Fatalf("raw peer: write: %v", err)
	}
}

// measure runs attack against n hostile connections to a fresh server,
// with a good connection round-tripping before, during and after, and
// returns the heap growth per hostile connection while the attacks hold.
//
// An attack may return a function that ends it (closes the raw peer and
// checks what the server says); it runs after the measurement.
func measure(t *testing.T, opts *rch.Options, n int, attack func(t *testing.T, s *server, i int) func()) int64 {
	s := newServer(t, opts)
	roundTrip := s.good(t)
	roundTrip()
	before := faulttest.Heap()
	var ends []func()
	for i := range n {
		if end := attack(t, s, i); end != nil {
			ends = append(ends, end)
		}
		roundTrip()
	}
	during := faulttest.Heap()
	for _, end := range ends {
		end()
		roundTrip()
	}
	return (during - before) / int64(n)
}

// TestPortsNeverServed: a peer announces thousands of ports in one message
// and never serves them. The server claims each (the decoder opens the
// streams), gets nothing back, and must neither hang its connection's
// Recv for long nor hold memory beyond the streams' bookkeeping.
func TestPortsNeverServed(t *testing.T) {
	const ports = 1000 // under MaxRefs: see TestTooManyHalves
	opts := &rch.Options{ClaimTimeout: 500 * time.Millisecond}
	per := measure(t, opts, 2, func(t *testing.T, s *server, i int) func() {
		r := s.dialRaw(t, "cbor")
		refs := make([]wire.Ref, ports)
		for p := range refs {
			refs[p] = wire.Ref{Kind: "mpsc.Sender", Port: uint32(p + 1), Cap: 1}
		}
		b, err := cbor.Marshal(map[string]any{"subs": refs})
		if err != nil {
			t.Fatal(err)
		}
		r.item(t, b)
		err = r.nextErr(t)
		if !errors.Is(err, rch.ErrDisconnected) {
			t.Fatalf("server's Recv of a message with %d ports never served: %v, want ErrDisconnected", ports, err)
		}
		t.Logf("server's Recv of a message with %d ports never served: %v", ports, err)
		return nil
	})
	t.Logf("heap per hostile connection: %d KiB", per>>10)
	if per > 8<<20 {
		t.Errorf("each hostile connection costs %d KiB", per>>10)
	}
}

// TestTooManyHalves: an item with more halves than MaxRefs is refused
// before it is decoded (no stream is claimed for it), with ErrDecode; the
// connection goes on.
func TestTooManyHalves(t *testing.T) {
	s := newServer(t, nil)
	r := s.dialRaw(t, "cbor")
	refs := make([]wire.Ref, 5000)
	for p := range refs {
		refs[p] = wire.Ref{Kind: "mpsc.Sender", Port: uint32(p + 1), Cap: 1}
	}
	b, err := cbor.Marshal(map[string]any{"subs": refs})
	if err != nil {
		t.Fatal(err)
	}
	r.item(t, b)
	if err := r.nextErr(t); !errors.Is(err, rch.ErrDecode) || !strings.Contains(err.Error(), "5000 channel halves") {
		t.Fatalf("Recv of an item with 5000 halves: %v, want ErrDecode", err)
	}
	b, _ = cbor.Marshal(map[string]any{"text": "still here"})
	r.item(t, b)
	if err := r.nextErr(t); err != nil {
		t.Fatalf("Recv after the refused item: %v", err)
	}
}

// TestThousandsOfStreams: a peer opens thousands of streams and writes
// nothing on them (or a bogus port). The server resets what exceeds its
// backlog, reads at most a few headers at once, answers bogus claims, and
// keeps its memory bounded.
func TestThousandsOfStreams(t *testing.T) {
	const streams = 3000
	per := measure(t, nil, 2, func(t *testing.T, s *server, i int) func() {
		r := s.dialRaw(t, "cbor")
		for j := range streams {
			// The server stops taking streams once its backlog is
			// full and its header reads are busy: the peer's Open
			// then waits, which is the backpressure we want.
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			st, err := r.sess.Open(ctx)
			cancel()
			if err != nil {
				t.Logf("raw peer: Open %d: %v", j, err)
				return nil
			}
			if j%2 == 0 {
				st.Write(wire.AppendPortHeader(nil, uint32(1000+j)))
			}
		}
		t.Logf("raw peer opened %d streams; its session holds %d", streams, r.sess.NumStreams())
		return nil
	})
	t.Logf("heap per hostile connection: %d KiB", per>>10)
	if per > 16<<20 {
		t.Errorf("each hostile connection costs %d KiB", per>>10)
	}
}

// TestHugeLengthPrefix: a frame header announces an item of 4 GiB, then
// some bytes follow. The server must report the item as too large at once
// and never try to buffer it.
func TestHugeLengthPrefix(t *testing.T) {
	per := measure(t, nil, 2, func(t *testing.T, s *server, i int) func() {
		r := s.dialRaw(t, "cbor")
		hdr := wire.AppendHeader(nil, wire.Item, 0)
		hdr[1], hdr[2], hdr[3], hdr[4] = 0xff, 0xff, 0xff, 0xff
		if _, err := r.base.Write(hdr); err != nil {
			t.Fatal(err)
		}
		junk := bytes.Repeat([]byte{0xAB}, 1<<20)
		for range 8 { // 8 MiB of it: read and discarded
			if _, err := r.base.Write(junk); err != nil {
				t.Fatal(err)
			}
		}
		// Reported from the header alone, long before 4 GiB could come.
		if err := r.nextErr(t); !errors.Is(err, rch.ErrTooLarge) {
			t.Errorf("4 GiB item announced: %v, want ErrTooLarge at once", err)
		}
		return func() {
			r.sess.Close()
			err := r.nextErr(t)
			if !errors.Is(err, rch.ErrDisconnected) {
				t.Errorf("the peer hung up mid-item: %v, want ErrDisconnected", err)
			}
			t.Logf("server's Recv after the hang-up: %v", err)
		}
	})
	t.Logf("heap per hostile connection: %d KiB", per>>10)
	if per > 2<<20 {
		t.Errorf("each hostile connection costs %d KiB", per>>10)
	}
}

// TestDeeplyNestedCBOR: an item nests arrays 100 000 deep. It must fail to
// decode (ErrDecode) without exhausting the stack, and the channel goes
// on: the next good item decodes.
func TestDeeplyNestedCBOR(t *testing.T) {
	per := measure(t, nil, 2, func(t *testing.T, s *server, i int) func() {
		r := s.dialRaw(t, "cbor")
		for _, depth := range []int{33, 1000, 100000} {
			nested := append(bytes.Repeat([]byte{0x81}, depth), 0x00)
			r.item(t, append([]byte{0xa1, 0x64, 't', 'e', 'x', 't'}, nested...))
			if err := r.nextErr(t); !errors.Is(err, rch.ErrDecode) {
				t.Errorf("depth %d: %v, want ErrDecode", depth, err)
			}
		}
		r.item(t, []byte{0xa1, 0x64, 't', 'e', 'x', 't', 0x61, 'x'}) // {"text":"x"}
		if err := r.nextErr(t); err != nil {
			t.Errorf("good item after the nested ones: %v", err)
		}
		return nil
	})
	t.Logf("heap per hostile connection: %d KiB", per>>10)
}

// TestHugeJSONString: under JSON, a string the size of the item limit is
// decoded (it is allowed); one byte over is skipped as too large. The
// memory held after either is bounded by the limit.
func TestHugeJSONString(t *testing.T) {
	const limit = 4 << 20
	opts := &rch.Options{MaxItemSize: limit, Codecs: []codec.Codec{codec.JSON}}
	per := measure(t, opts, 2, func(t *testing.T, s *server, i int) func() {
		r := s.dialRaw(t, "json")
		fits := `{"text":"` + strings.Repeat("a", limit-len(`{"text":""}`)) + `"}`
		r.item(t, []byte(fits))
		if err := r.nextErr(t); err != nil {
			t.Errorf("item at the limit: %v", err)
		}
		r.item(t, []byte(fits+" "))
		if err := r.nextErr(t); !errors.Is(err, rch.ErrTooLarge) {
			t.Errorf("item over the limit: %v, want ErrTooLarge", err)
		}
		r.item(t, []byte(`{"text":"\ud800`+strings.Repeat(`\u0000`, 1000)+`"`)) // unterminated
		if err := r.nextErr(t); !errors.Is(err, rch.ErrDecode) {
			t.Errorf("broken string: %v, want ErrDecode", err)
		}
		return nil
	})
	t.Logf("heap per hostile connection: %d KiB (item limit %d KiB)", per>>10, limit>>10)
	if per > 3*limit {
		t.Errorf("each hostile connection costs %d KiB", per>>10)
	}
}
