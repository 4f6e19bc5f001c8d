package attack_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/fxamacker/cbor/v2"
	"github.com/hashicorp/yamux"
)

// The hand-written peer: docs/PROTOCOL.md, sections 1 to 5, with nothing
// of telechan's own code. A WebSocket of binary messages carries yamux;
// the client opens the first stream and says hello; items are frames of a
// type byte, a 4-byte length and the payload; a half inside an item is a
// map {"rch": kind, "port": n, "cap": c}; the receiver of the item claims
// the port by opening a stream that starts with the 4-byte port number.

// Frame types.
const (
	frameItem  = 0x01
	frameEnd   = 0x02
	frameClose = 0x03
	frameError = 0x04
)

// wsConn dials the server's WebSocket and returns it as a byte stream.
func wsConn(ctx context.Context, url string) (net.Conn, error) {
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(-1)
	return websocket.NetConn(context.Background(), ws, websocket.MessageBinary), nil
}

// peer is a hostile client: yamux by hand, the handshake by hand.
type peer struct {
	conn net.Conn
	ys   *yamux.Session
	base *yamux.Stream
	wg   sync.WaitGroup
	// done is closed when the peer closes: claim handlers that hold their
	// stream wait for it.
	done chan struct{}
	once sync.Once
}

// dialPeer connects a peer and does the handshake, proposing codecName.
func dialPeer(t testing.TB, url, codecName string) *peer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := wsConn(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	cfg := yamux.DefaultConfig()
	cfg.EnableKeepAlive = false
	cfg.LogOutput = io.Discard
	cfg.StreamCloseTimeout = 0
	cfg.StreamOpenTimeout = 0
	ys, err := yamux.Client(conn, cfg)
	if err != nil {
		t.Fatal(err)
	}
	base, err := ys.OpenStream()
	if err != nil {
		t.Fatal(err)
	}
	hello, _ := json.Marshal(map[string]any{"codecs": []string{codecName}, "max_item": 16 << 20})
	msg := append([]byte("TLCH\x01"), byte(len(hello)>>8), byte(len(hello)))
	if _, err := base.Write(append(msg, hello...)); err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 7)
	if _, err := io.ReadFull(base, head); err != nil {
		t.Fatalf("peer: reading the welcome: %v", err)
	}
	body := make([]byte, binary.BigEndian.Uint16(head[5:]))
	if _, err := io.ReadFull(base, body); err != nil {
		t.Fatal(err)
	}
	p := &peer{conn: conn, ys: ys, base: base, done: make(chan struct{})}
	t.Cleanup(p.close)
	return p
}

// writeFrame writes one frame.
func writeFrame(w io.Writer, typ byte, payload []byte) error {
	h := make([]byte, 5, 5+len(payload))
	h[0] = typ
	binary.BigEndian.PutUint32(h[1:], uint32(len(payload)))
	_, err := w.Write(append(h, payload...))
	return err
}

// item sends v, CBOR-encoded, as an item of the base channel.
func (p *peer) item(t testing.TB, v any) {
	t.Helper()
	b, err := cbor.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	p.raw(t, b)
}

// raw sends b as an item of the base channel.
func (p *peer) raw(t testing.TB, b []byte) {
	t.Helper()
	if err := writeFrame(p.base, frameItem, b); err != nil {
		t.Fatalf("peer: write: %v", err)
	}
}

// cborBytes is the CBOR encoding of a byte string of n zero bytes.
func cborBytes(n int) []byte {
	b := []byte{0x5a, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[1:], uint32(n))
	return append(b, make([]byte, n)...)
}

// ref is a reference to a half, as the peer writes it.
func ref(kind string, port, capacity uint32) map[string]any {
	return map[string]any{"rch": kind, "port": port, "cap": capacity}
}

// serveClaims hands each stream the server opens to claim a port to f,
// with the port number, on a goroutine of its own, until the peer closes.
func (p *peer) serveClaims(f func(port uint32, st *yamux.Stream)) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			st, err := p.ys.AcceptStream()
			if err != nil {
				return
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				var h [4]byte
				if _, err := io.ReadFull(st, h[:]); err != nil {
					return
				}
				f(binary.BigEndian.Uint32(h[:]), st)
			}()
		}
	}()
}

// close closes the peer's connection and waits for its goroutines.
func (p *peer) close() {
	p.once.Do(func() { close(p.done) })
	p.ys.Close()
	p.conn.Close()
	p.wg.Wait()
}
