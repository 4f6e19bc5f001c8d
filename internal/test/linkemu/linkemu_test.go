package linkemu_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/telechan/telechan/internal/test/linkemu"
)

// transports lists the ways to get a connection shaped by p in both
// directions: Pipe, and Wrap over both ends of a loopback TCP connection.
var transports = []struct {
	name  string
	conns func(testing.TB, linkemu.Profile) (a, b net.Conn)
}{
	{"pipe", pipeConns},
	{"tcp", tcpConns},
}

func pipeConns(tb testing.TB, p linkemu.Profile) (a, b net.Conn) {
	a, b = linkemu.Pipe(p)
	tb.Cleanup(func() { _, _ = a.Close(), b.Close() })
	return a, b
}

func tcpConns(tb testing.TB, p linkemu.Profile) (a, b net.Conn) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	ca, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	cb := <-accepted
	if cb == nil {
		_ = ca.Close()
		tb.Fatal("accept failed")
	}
	a, b = linkemu.Wrap(ca, p), linkemu.Wrap(cb, p)
	tb.Cleanup(func() { _, _ = a.Close(), b.Close() })
	return a, b
}

// TestThroughput sends 2 MiB through a 40 Mbit/s link, which takes 0.42 s.
func TestThroughput(t *testing.T) {
	const size = 2 << 20
	p := linkemu.Profile{Name: "40M", Bandwidth: 40_000_000}
	want := time.Duration(size * 8 * int64(time.Second) / p.Bandwidth)
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			p := p
			p.Delay = time.Millisecond // else Wrap returns the conn as is
			a, b := tr.conns(t, p)
			data, buf := make([]byte, size), make([]byte, size)
			start := time.Now()
			if _, err := a.Write(data); err != nil { // fits the 2 MiB buffer
				t.Fatal(err)
			}
			if _, err := io.ReadFull(b, buf); err != nil {
				t.Fatal(err)
			}
			got := time.Since(start)
			t.Logf("%d bytes in %v (ideal %v): %.2f Mbit/s of %.0f",
				size, got, want, float64(size*8)/got.Seconds()/1e6, float64(p.Bandwidth)/1e6)
			if got < want*8/10 || got > want*16/10 {
				t.Errorf("took %v, want %v (0.8x..1.6x)", got, want)
			}
		})
	}
}

// TestDelay checks that a byte on an idle link takes Delay to arrive.
func TestDelay(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			p := linkemu.FourG
			a, b := tr.conns(t, p)
			buf := make([]byte, 1)
			for dir, c := range [][2]net.Conn{{a, b}, {b, a}} {
				start := time.Now()
				if _, err := c[0].Write([]byte{1}); err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(c[1], buf); err != nil {
					t.Fatal(err)
				}
				got := time.Since(start)
				t.Logf("direction %d: arrived after %v (Delay %v)", dir, got, p.Delay)
				if got < p.Delay || got > p.Delay+50*time.Millisecond {
					t.Errorf("direction %d: arrived after %v, want %v..%v", dir, got, p.Delay, p.Delay+50*time.Millisecond)
				}
			}
		})
	}
}

// TestWriteReturnsWhenQueued: a Write that fits the buffer returns at
// once; a larger one returns when its last byte has found room, after the
// excess has drained at Bandwidth.
func TestWriteReturnsWhenQueued(t *testing.T) {
	// 1 MB/s: 10 kB take 10 ms.
	p := linkemu.Profile{Bandwidth: 8_000_000, Buffer: 10_000}
	a, b := linkemu.Pipe(p)
	defer b.Close()
	defer a.Close()
	go func() { _, _ = io.Copy(io.Discard, b) }()

	start := time.Now()
	if _, err := a.Write(make([]byte, 10_000)); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Millisecond {
		t.Errorf("a write that fits the buffer took %v", d)
	}
	start = time.Now()
	if _, err := a.Write(make([]byte, 20_000)); err != nil {
		t.Fatal(err)
	}
	// The queue was full: the last 10 kB find room once 20 kB have left.
	d := time.Since(start)
	t.Logf("20 kB behind a full 10 kB buffer: Write returned after %v (ideal 20ms)", d)
	if d < 15*time.Millisecond || d > 60*time.Millisecond {
		t.Errorf("Write returned after %v, want about 20ms", d)
	}
}

// TestIntegrity sends random data both ways at once, in writes and reads
// of random sizes, and checks it arrives whole and in order.
func TestIntegrity(t *testing.T) {
	profiles := []linkemu.Profile{
		{Name: "delay", Delay: 2 * time.Millisecond, Buffer: 100_000},
		{Name: "fast", Bandwidth: 400_000_000, Delay: time.Millisecond, Buffer: 30_000},
	}
	for _, tr := range transports {
		for _, p := range profiles {
			t.Run(tr.name+"/"+p.Name, func(t *testing.T) {
				t.Parallel()
				a, b := tr.conns(t, p)
				var wg sync.WaitGroup
				wg.Go(func() { transfer(t, a, b, 1) })
				wg.Go(func() { transfer(t, b, a, 2) })
				wg.Wait()
			})
		}
	}
}

// transfer writes 2 MiB of random data to w and reads it from r.
func transfer(t *testing.T, w, r net.Conn, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, seed))
	data := make([]byte, 2<<20)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	sizes := make([]int, 0, 256)
	for n := 0; n < len(data); n += sizes[len(sizes)-1] {
		sizes = append(sizes, min(1+rng.IntN(40_000), len(data)-n))
	}
	go func() {
		off := 0
		for _, n := range sizes {
			if _, err := w.Write(data[off : off+n]); err != nil {
				t.Errorf("write: %v", err)
				return
			}
			off += n
		}
	}()
	got := make([]byte, 0, len(data))
	buf := make([]byte, 50_000)
	for len(got) < len(data) {
		n, err := r.Read(buf[:1+rng.IntN(len(buf))])
		got = append(got, buf[:n]...)
		if err != nil {
			t.Fatalf("read after %d bytes: %v", len(got), err)
		}
	}
	if !bytes.Equal(got, data) {
		i := 0
		for got[i] == data[i] {
			i++
		}
		t.Fatalf("data differ from byte %d on", i)
	}
}

// TestCloseUnblocks closes one end of a Pipe while both ends are blocked,
// in Read (nobody writes) or in Write (nobody reads), and checks every call
// returns and later calls fail as documented.
func TestCloseUnblocks(t *testing.T) {
	ops := map[string]func(net.Conn) error{
		"read": func(c net.Conn) error {
			_, err := c.Read(make([]byte, 10))
			return err
		},
		"write": func(c net.Conn) error {
			_, err := c.Write(make([]byte, 2<<20)) // beyond Buffer + window
			return err
		},
	}
	for opName, op := range ops {
		for _, closeA := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/closeA=%v", opName, closeA), func(t *testing.T) {
				t.Parallel()
				a, b := linkemu.Pipe(linkemu.Profile{Bandwidth: 100_000_000, Delay: 5 * time.Millisecond, Buffer: 1000})
				defer a.Close()
				defer b.Close()
				errs := make(chan error, 2)
				for _, c := range []net.Conn{a, b} {
					go func() { errs <- op(c) }()
				}
				// Give both calls time to block; they must fail after
				// Close whether they blocked or not, so this sleep only
				// makes the blocked case likelier, it synchronises nothing.
				time.Sleep(50 * time.Millisecond)
				closed, other := a, b
				if !closeA {
					closed, other = b, a
				}
				if err := closed.Close(); err != nil {
					t.Fatal(err)
				}
				for range 2 {
					select {
					case err := <-errs:
						if err == nil {
							t.Error("a blocked call returned no error")
						}
					case <-time.After(5 * time.Second):
						t.Fatal("a blocked call did not return")
					}
				}
				_, err := io.Copy(io.Discard, other) // bytes that arrived, then EOF
				checkErr(t, "other end Read", err, nil)
				checkErr(t, "other end Write", writeErr(other), io.ErrClosedPipe)
				checkErr(t, "closed end Read", readErr(closed), net.ErrClosed)
				checkErr(t, "closed end Write", writeErr(closed), net.ErrClosed)
				if err := closed.Close(); err != nil {
					t.Errorf("second Close: %v", err)
				}
			})
		}
	}
}

// TestCloseWrapped closes a wrapped TCP conn while its Read and Write are
// blocked (the peer reads nothing).
func TestCloseWrapped(t *testing.T) {
	a, _ := tcpConns(t, linkemu.Profile{Delay: time.Millisecond, Buffer: 1000})
	errs := make(chan error, 2)
	go func() {
		_, err := a.Read(make([]byte, 10))
		errs <- err
	}()
	go func() {
		for {
			if _, err := a.Write(make([]byte, 1<<20)); err != nil {
				errs <- err
				return
			}
		}
	}()
	// As above: the sleep only makes the blocked case likelier.
	time.Sleep(100 * time.Millisecond)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		select {
		case err := <-errs:
			if !errors.Is(err, net.ErrClosed) {
				t.Errorf("blocked call returned %v, want net.ErrClosed", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a blocked call did not return")
		}
	}
}

// TestArrivedStayReadable: closing one end drops what is still in flight
// but not what has arrived.
func TestArrivedStayReadable(t *testing.T) {
	a, b := linkemu.Pipe(linkemu.Profile{Delay: 20 * time.Millisecond})
	defer b.Close()
	if _, err := a.Write([]byte("arrived")); err != nil {
		t.Fatal(err)
	}
	first := make([]byte, 1) // reading a byte proves the rest has arrived too
	if _, err := io.ReadFull(b, first); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Write([]byte("in flight")); err != nil {
		t.Fatal(err)
	}
	_ = a.Close()
	got, err := io.ReadAll(b)
	if string(got) != "rrived" || err != nil {
		t.Errorf("read %q, %v; want %q, nil", got, err, "rrived")
	}
}

// TestDeadlines checks read and write deadlines on both transports.
func TestDeadlines(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			a, b := tr.conns(t, linkemu.Profile{Delay: time.Millisecond, Buffer: 1000})
			const d = 30 * time.Millisecond

			start := time.Now()
			_ = b.SetReadDeadline(start.Add(d))
			_, err := b.Read(make([]byte, 1))
			checkTimeout(t, "Read", err, time.Since(start), d)

			_ = b.SetReadDeadline(time.Time{})
			if _, err := a.Write([]byte{7}); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Read(make([]byte, 1)); err != nil {
				t.Fatalf("Read after clearing the deadline: %v", err)
			}

			// Nobody reads b: fill every buffer until Write times out.
			start = time.Now()
			_ = a.SetWriteDeadline(start.Add(200 * time.Millisecond))
			err = nil
			for err == nil || !errors.Is(err, os.ErrDeadlineExceeded) {
				_, err = a.Write(make([]byte, 1<<20))
				if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
					t.Fatal(err)
				}
			}
			checkTimeout(t, "Write", err, time.Since(start), 200*time.Millisecond)

			_ = a.SetDeadline(time.Now().Add(-time.Second))
			if _, err := a.Write([]byte{1}); !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("Write past the deadline: %v", err)
			}
		})
	}
}

func checkTimeout(t *testing.T, op string, err error, took, d time.Duration) {
	t.Helper()
	var ne net.Error
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("%s: got %v, want a timeout", op, err)
	}
	if took < d || took > d+time.Second {
		t.Errorf("%s: timed out after %v, want %v", op, took, d)
	}
}

func readErr(c net.Conn) error {
	_, err := c.Read(make([]byte, 1))
	return err
}

func writeErr(c net.Conn) error {
	_, err := c.Write([]byte{1})
	return err
}

func checkErr(t *testing.T, what string, got, want error) {
	t.Helper()
	if !errors.Is(got, want) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}
