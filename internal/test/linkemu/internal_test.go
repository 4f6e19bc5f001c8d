package linkemu

import (
	"errors"
	"os"
	"testing"
	"time"
)

// TestSilentReader checks where bytes wait when nobody reads: Buffer bytes
// in the bottleneck plus the window past it, then Write blocks.
func TestSilentReader(t *testing.T) {
	for _, p := range []Profile{
		{Name: "unlimited", Delay: 5 * time.Millisecond, Buffer: 16 << 10},
		{Name: "fast", Bandwidth: 1_000_000_000, Delay: 2 * time.Millisecond, Buffer: 16 << 10},
	} {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			a, b := Pipe(p)
			defer b.Close()
			defer a.Close()
			_ = a.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
			total := 0
			for {
				n, err := a.Write(make([]byte, 10_000))
				total += n
				if errors.Is(err, os.ErrDeadlineExceeded) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			want := p.buffer() + p.window()
			t.Logf("a silent reader absorbed %d bytes: Buffer %d + window %d", total, p.buffer(), p.window())
			if total != want {
				t.Errorf("absorbed %d bytes, want %d", total, want)
			}
			// Reading frees room again.
			_ = a.SetWriteDeadline(time.Time{})
			if _, err := b.Read(make([]byte, 50_000)); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Write(make([]byte, 10_000)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestProfileSizes(t *testing.T) {
	for _, c := range []struct {
		p             Profile
		slice, window int
	}{
		{LAN, maxSlice, recvBuffer},
		{FourG, 1500, 31_250 + recvBuffer},
		{Profile{Bandwidth: 40_000_000}, 5000, recvBuffer},
		{Profile{Delay: 10 * time.Millisecond}, maxSlice, 1_250_000 + recvBuffer},
	} {
		if s, w := c.p.slice(), c.p.window(); s != c.slice || w != c.window {
			t.Errorf("%+v: slice %d window %d, want %d %d", c.p, s, w, c.slice, c.window)
		}
	}
}
