package attack_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/yamux"

	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rfn"
)

// during calls sample every 50 ms for d.
func during(d time.Duration, sample func()) {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		sample()
		time.Sleep(50 * time.Millisecond) // pacing the sampler, not waiting for an event
	}
}

// 1. A 60-byte item asks for a broadcast ring of 2³²−1 entries; the peer
// then publishes 64 KiB values into it as fast as it can, and the
// server's application never reads them.
func TestHugeRing(t *testing.T) {
	attack(t, "huge ring", func(t *testing.T, s *server, sample func()) func() {
		p := dialPeer(t, s.url(), "cbor")
		p.serveClaims(func(port uint32, st *yamux.Stream) {
			v := cborBytes(64 << 10) // a []byte value
			for writeFrame(st, frameItem, v) == nil {
			}
		})
		p.item(t, map[string]any{"sub": ref("broadcast.Receiver", 1, 1<<32-1)})
		during(3*time.Second, sample)
		return p.close
	})
}

// 2. A reference asks for an mpsc queue of 2³²−1 items to a receiver that
// reads nothing: the server's camera must block in Send, not buffer.
func TestHugeQueue(t *testing.T) {
	o := attack(t, "huge queue", func(t *testing.T, s *server, sample func()) func() {
		p := dialPeer(t, s.url(), "cbor")
		p.serveClaims(func(port uint32, st *yamux.Stream) {
			<-p.done // hold the stream, read nothing
		})
		p.item(t, map[string]any{"frames": ref("mpsc.Sender", 1, 1<<32-1)})
		during(3*time.Second, sample)
		return p.close
	})
	// 64 KiB frames: the queue, the budget's outbound half and one window.
	if limit := int64((budget/2)>>16) + 1024 + 8; o.frames > limit {
		t.Errorf("the server's Send took %d frames for a peer that reads nothing, want at most %d", o.frames, limit)
	}
}

// hostileItems returns CBOR items just under 16 MiB built to cost the most
// when decoded: arrays of empty maps (1 byte each) in a field of type any,
// and in a field of halves.
func hostileItems() [][]byte {
	const inner = 131072 // the CBOR codec's per-array limit
	arrays := func(n int) []byte {
		b := []byte{0x98, byte(n)} // array of n arrays
		for range n {
			b = append(b, 0x9a, 0, 2, 0, 0) // array of 131072
			b = append(b, make([]byte, inner)...)
			for i := len(b) - inner; i < len(b); i++ {
				b[i] = 0xa0 // {}
			}
		}
		return b
	}
	key := func(k string) []byte { return append([]byte{0xa1, 0x60 | byte(len(k))}, k...) }
	extra := append(key("extra"), arrays(120)...)
	subs := append(key("subs"), 0x9a, 0, 2, 0, 0)
	for range inner {
		subs = append(subs, 0xa0)
	}
	return [][]byte{extra, subs, extra}
}

// 3. Items made to cost the most to decode (16 MiB of empty maps).
func TestDecodeAmplification(t *testing.T) {
	attack(t, "decode amplification", func(t *testing.T, s *server, sample func()) func() {
		p := dialPeer(t, s.url(), "cbor")
		done := make(chan struct{})
		go func() {
			defer close(done)
			for _, b := range hostileItems() {
				p.raw(t, b)
			}
		}()
		for {
			select {
			case <-done:
				during(time.Second, sample)
				return p.close
			default:
				during(50*time.Millisecond, sample)
			}
		}
	})
}

// 4. yamux pings as fast as the peer can write them, and nothing read.
func TestPingFlood(t *testing.T) {
	attack(t, "ping flood", func(t *testing.T, s *server, sample func()) func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err := wsConn(ctx, s.url())
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			ping := make([]byte, 12*256)
			for i := range 256 {
				ping[i*12+1] = 2 // type ping
				ping[i*12+3] = 1 // SYN
			}
			for conn.SetWriteDeadline(time.Now().Add(5*time.Second)) == nil {
				if _, err := conn.Write(ping); err != nil {
					return
				}
			}
		}()
		during(3*time.Second, sample)
		return func() { conn.Close() }
	})
}

// 5. 100,000 streams naming ports that do not exist; the peer never
// closes them and never reads the server's answer.
func TestHalfClosedStreams(t *testing.T) {
	attack(t, "half-closed streams", func(t *testing.T, s *server, sample func()) func() {
		p := dialPeer(t, s.url(), "cbor")
		deadline := time.Now().Add(8 * time.Second)
		i := 0
		defer func() { t.Logf("the peer opened %d streams", i) }()
		for ; i < 100000 && time.Now().Before(deadline); i++ {
			st, err := p.ys.OpenStream()
			if err != nil {
				t.Logf("peer: open %d: %v", i, err)
				break
			}
			var h [4]byte
			binary.BigEndian.PutUint32(h[:], 1<<31+uint32(i))
			st.Write(h[:])
			if i%1000 == 0 {
				sample()
			}
		}
		during(time.Second, sample)
		return p.close
	})
}

// 6. DNS rebinding: a page of evil.example, whose name now resolves to the
// server, sends its own Host and Origin. The server must refuse it; the
// same request naming the server's address is accepted.
func TestDNSRebinding(t *testing.T) {
	attack(t, "dns rebinding", func(t *testing.T, s *server, sample func()) func() {
		_, port, _ := net.SplitHostPort(s.addr)
		if code := upgrade(t, s.addr, "evil.example:"+port, "http://evil.example:"+port); code != http.StatusForbidden {
			t.Errorf("rebound page: status %d, want 403", code)
		}
		if code := upgrade(t, s.addr, s.addr, "http://"+s.addr); code != http.StatusSwitchingProtocols {
			t.Errorf("page of the server itself: status %d, want 101", code)
		}
		return nil
	})
}

// upgrade sends a WebSocket upgrade by hand and returns the status.
func upgrade(t *testing.T, addr, host, origin string) int {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	req := "GET / HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: " + origin + "\r\n\r\n"
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// 7. Slow headers: 500 requests that never finish their headers. The
// server must drop them after its ReadHeaderTimeout.
func TestSlowHeaders(t *testing.T) {
	attack(t, "slow headers", func(t *testing.T, s *server, sample func()) func() {
		var conns []net.Conn
		for range 500 {
			c, err := net.DialTimeout("tcp", s.addr, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			c.Write([]byte("GET / HTTP/1.1\r\nHost: " + s.addr + "\r\nX-Slow: "))
			conns = append(conns, c)
		}
		sample()
		closed := 0
		for _, c := range conns { // each must be closed by the server
			c.SetReadDeadline(time.Now().Add(readHeaderTimeout + 5*time.Second))
			if _, err := io.Copy(io.Discard, c); err == nil {
				closed++
			}
		}
		if closed != len(conns) {
			t.Errorf("the server closed %d of %d half-sent requests", closed, len(conns))
		}
		return func() {
			for _, c := range conns {
				c.Close()
			}
		}
	})
}

// 8. A call whose implementation panics: the caller must learn which
// function panicked, and nothing of the server's stack or the panic's
// value.
func TestPanicLeak(t *testing.T) {
	attack(t, "panic leak", func(t *testing.T, s *server, sample func()) func() {
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
		_, err = h.Fn.Call(ctx, "panic")
		var ce *rfn.CallError
		if !errors.As(err, &ce) || ce.Kind != rfn.Failed {
			t.Fatalf("call of a panicking function: %v", err)
		}
		for _, secret := range []string{"secret value", "goroutine", ".go:", "/"} {
			if strings.Contains(ce.Msg, secret) {
				t.Errorf("the caller saw %q in %q", secret, ce.Msg)
			}
		}
		t.Logf("the caller saw: %v", err)
		if n, err := h.Fn.Call(ctx, "after"); n != 5 || err != nil {
			t.Errorf("call after the panic: %d, %v", n, err)
		}
		return func() { h.Fn.Close(); base.Close() }
	})
}
