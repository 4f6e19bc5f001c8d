package bin_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/telechan/telechan/internal/test/rchtest"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/bin"
)

type Ends struct {
	W *bin.Writer `json:"w,omitempty"`
	R *bin.Reader `json:"r,omitempty"`
}

func randomBytes(n int, seed uint64) []byte {
	var s [32]byte
	s[0] = byte(seed)
	b := make([]byte, n)
	rand.NewChaCha8(s).Read(b)
	return b
}

// relay passes ends from one connection to the next, hops times, and
// returns them as they arrive at the far end.
func relay(t *testing.T, e rchtest.Env, ends Ends, hops int) Ends {
	t.Helper()
	ctx := rchtest.Ctx(t)
	for range hops {
		tx, rx := rchtest.Connect[Ends, Ends](t, e, nil, nil)
		if err := tx.Send(ctx, ends); err != nil {
			t.Fatal(err)
		}
		var err error
		if ends, err = rx.Recv(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return ends
}

func TestCopyOverHops(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		for hops := 1; hops <= 3; hops++ {
			data := randomBytes(2<<20+123, uint64(hops))
			want := sha256.Sum256(data)

			// The reader travels: bytes written here are read there.
			w, r := bin.New()
			far := relay(t, e, Ends{R: r}, hops)
			go func() {
				w.ReadFrom(bytes.NewReader(data))
				w.Close()
			}()
			got, err := io.ReadAll(far.R)
			if err != nil || sha256.Sum256(got) != want {
				t.Fatalf("%d hops, reader sent: %d bytes, %v", hops, len(got), err)
			}

			// The writer travels: bytes written there are read here.
			w, r = bin.New()
			far = relay(t, e, Ends{W: w}, hops)
			go func() {
				far.W.Write(data)
				far.W.Close()
			}()
			var buf bytes.Buffer
			if _, err := r.WriteTo(&buf); err != nil || sha256.Sum256(buf.Bytes()) != want {
				t.Fatalf("%d hops, writer sent: %d bytes, %v", hops, buf.Len(), err)
			}
		}
	})
}

func TestTruncatedStream(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		client, server := rchtest.Connect[Ends, Ends](t, e, nil, nil)
		w, r := bin.New()
		client.Send(ctx, Ends{W: w})
		far, err := server.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		far.W.Write(make([]byte, 100<<10))
		server.Close() // the connection dies mid-image
		got, err := io.ReadAll(r)
		if !errors.Is(err, rch.ErrDisconnected) {
			t.Fatalf("after %d bytes, read ended with %v, want ErrDisconnected", len(got), err)
		}
		if _, err := r.Read(make([]byte, 1)); !errors.Is(err, rch.ErrDisconnected) {
			t.Fatalf("read after the failure: %v, want the same error again", err)
		}
	})
}

func TestWriterSeesWhy(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		t.Run("reader closed", func(t *testing.T) {
			client, server := rchtest.Connect[Ends, Ends](t, e, nil, nil)
			w, r := bin.New()
			client.Send(ctx, Ends{R: r})
			far, _ := server.Recv(ctx)
			far.R.Close()
			if err := writeUntilError(w); !errors.Is(err, rch.ErrClosed) {
				t.Fatalf("Write: %v, want ErrClosed", err)
			}
		})
		t.Run("connection lost", func(t *testing.T) {
			client, server := rchtest.Connect[Ends, Ends](t, e, nil, nil)
			w, r := bin.New()
			client.Send(ctx, Ends{R: r})
			server.Recv(ctx)
			server.Close()
			if err := writeUntilError(w); !errors.Is(err, rch.ErrDisconnected) {
				t.Fatalf("Write: %v, want ErrDisconnected", err)
			}
		})
	})
}

func writeUntilError(w *bin.Writer) error {
	buf := make([]byte, 8<<10)
	for {
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
}

func TestSized(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		t.Run("exact", func(t *testing.T) {
			w, r := bin.NewSized(100 << 10)
			far := relay(t, e, Ends{R: r}, 2)
			if far.R.Size() != 100<<10 {
				t.Fatalf("the size did not travel: %d", far.R.Size())
			}
			go func() {
				w.Write(make([]byte, 100<<10))
				w.Close()
			}()
			b, err := io.ReadAll(far.R)
			if err != nil || len(b) != 100<<10 {
				t.Fatalf("read %d bytes, %v", len(b), err)
			}
		})
		t.Run("short", func(t *testing.T) {
			w, r := bin.NewSized(1000)
			far := relay(t, e, Ends{W: w}, 1)
			far.W.Write(make([]byte, 999))
			if err := far.W.Close(); !errors.Is(err, bin.ErrSize) {
				t.Fatalf("Close of a short stream: %v, want ErrSize", err)
			}
			if b, err := io.ReadAll(r); !errors.Is(err, bin.ErrSize) {
				t.Fatalf("read of a short stream: %d bytes, %v, want ErrSize", len(b), err)
			}
		})
		t.Run("long", func(t *testing.T) {
			w, _ := bin.NewSized(10)
			if n, err := w.Write(make([]byte, 11)); n != 10 || !errors.Is(err, bin.ErrSize) {
				t.Fatalf("Write past the size: %d, %v", n, err)
			}
		})
	})
}
