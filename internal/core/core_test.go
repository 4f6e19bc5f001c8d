package core

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/telechan/telechan/codec"
	"github.com/telechan/telechan/internal/test/muxtest"
	"github.com/telechan/telechan/internal/wire"
	"github.com/telechan/telechan/mux"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// pair connects two Conns with base channels of T both ways.
func pair[T any](t *testing.T, ccfg, scfg Config) (c, s *Conn, ctx_, stx *Tx[T], crx, srx *Rx[T]) {
	t.Helper()
	cs, ss := muxtest.Pair(t, nil)
	return pairOn[T](t, cs, ss, ccfg, scfg)
}

// pairOn is pair over the sessions cs and ss.
func pairOn[T any](t *testing.T, cs, ss *mux.Session, ccfg, scfg Config) (c, s *Conn, ctx_, stx *Tx[T], crx, srx *Rx[T]) {
	t.Helper()
	ctx := testCtx(t)
	type res struct {
		c   *Conn
		st  *mux.Stream
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, st, err := Connect(ctx, ss, scfg)
		ch <- res{c, st, err}
	}()
	cc, cst, err := Connect(ctx, cs, ccfg)
	r := <-ch
	if err != nil || r.err != nil {
		t.Fatalf("connect: %v / %v", err, r.err)
	}
	t.Cleanup(func() { cc.Close(); r.c.Close() })
	ctx_, stx, crx, srx = new(Tx[T]), new(Tx[T]), new(Rx[T]), new(Rx[T])
	InitBase(cc, cst, ctx_, crx)
	InitBase(r.c, r.st, stx, srx)
	return cc, r.c, ctx_, stx, crx, srx
}

// TestOversizedOnReceive: a sender that ignores the limit its peer
// announced gets its item refused by the receiver, which goes on with the
// next one, over each transport and codec.
func TestOversizedOnReceive(t *testing.T) {
	transports := map[string]func(testing.TB, *mux.Options) (*mux.Session, *mux.Session){
		"pipe":      muxtest.Pair,
		"websocket": muxtest.WebSocketPair,
	}
	for tname, sessions := range transports {
		for _, cd := range []codec.Codec{codec.JSON, codec.CBOR} {
			t.Run(tname+"/"+cd.Name(), func(t *testing.T) {
				ctx := testCtx(t)
				cs, ss := sessions(t, nil)
				codecs := []codec.Codec{cd}
				c, _, tx, _, _, rx := pairOn[[]byte](t, cs, ss, Config{Codecs: codecs}, Config{Codecs: codecs, MaxItemSize: 4096})
				c.sendMax = 1 << 20 // a sender that ignores the peer's limit
				if err := tx.Send(ctx, make([]byte, 8192)); err != nil {
					t.Fatalf("Send: %v", err)
				}
				err := tx.Send(ctx, []byte("small"))
				if errors.Is(err, ErrNotDelivered) && errors.Is(err, ErrTooLarge) {
					// The receiver's report of the refused item came back
					// first: that Send did not send its value. Again.
					err = tx.Send(ctx, []byte("small"))
				}
				if err != nil {
					t.Fatalf("Send: %v", err)
				}
				if _, err := rx.Recv(ctx); !errors.Is(err, ErrTooLarge) {
					t.Fatalf("Recv of an oversized item: %v, want ErrTooLarge", err)
				}
				if v, err := rx.Recv(ctx); err != nil || string(v) != "small" {
					t.Fatalf("Recv after it: %q, %v", v, err)
				}
			})
		}
	}
}

func TestDecodeErrorKeepsChannel(t *testing.T) {
	ctx := testCtx(t)
	cs, ss := muxtest.Pair(t, nil)
	ch := make(chan *Conn, 1)
	var sst *mux.Stream
	go func() {
		c, st, _ := Connect(ctx, ss, Config{Codecs: []codec.Codec{codec.JSON}})
		sst = st
		ch <- c
	}()
	cc, cst, err := Connect(ctx, cs, Config{Codecs: []codec.Codec{codec.JSON}})
	if err != nil {
		t.Fatal(err)
	}
	sc := <-ch
	t.Cleanup(func() { cc.Close(); sc.Close() })
	tx, rx := new(Tx[any]), new(Rx[int])
	InitBase(cc, cst, tx, new(Rx[int]))
	InitBase(sc, sst, new(Tx[int]), rx)
	tx.Send(ctx, "not an int")
	tx.Send(ctx, 42)
	if _, err := rx.Recv(ctx); !errors.Is(err, ErrDecode) {
		t.Fatalf("Recv of a bad item: %v, want ErrDecode", err)
	}
	if v, err := rx.Recv(ctx); v != 42 || err != nil {
		t.Fatalf("Recv after it: %v, %v", v, err)
	}
}

// rawServer accepts the base stream on ss and answers a handshake with the
// given version and body.
func rawServer(t *testing.T, ss *mux.Session, version byte, body any) {
	ctx := testCtx(t)
	go func() {
		st, err := ss.Accept(ctx)
		if err != nil {
			return
		}
		wire.ReadHello(st)
		wire.WriteHello(st, version, body)
	}()
}

func TestHandshakeVersionMismatch(t *testing.T) {
	t.Run("client newer", func(t *testing.T) {
		ctx := testCtx(t)
		cs, ss := muxtest.Pair(t, nil)
		done := make(chan error, 1)
		go func() {
			_, _, err := Connect(ctx, ss, Config{})
			done <- err
		}()
		st, err := cs.Open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wire.WriteHello(st, wire.Version+1, wire.Hello{Codecs: []string{"cbor"}})
		v, body, err := wire.ReadHello(st)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := wire.ParseWelcome(body)
		if v != wire.Version || !strings.Contains(w.Error, "version") {
			t.Fatalf("server answered version %d, %+v", v, w)
		}
		if err := <-done; !errors.Is(err, ErrHandshake) {
			t.Fatalf("server: %v, want ErrHandshake", err)
		}
	})
	t.Run("server newer", func(t *testing.T) {
		ctx := testCtx(t)
		cs, ss := muxtest.Pair(t, nil)
		rawServer(t, ss, wire.Version+1, wire.Welcome{Codec: "cbor"})
		_, _, err := Connect(ctx, cs, Config{})
		if !errors.Is(err, ErrHandshake) || !strings.Contains(err.Error(), "version") {
			t.Fatalf("client: %v, want a version ErrHandshake", err)
		}
	})
}

func TestHandshakeNotTelechan(t *testing.T) {
	ctx := testCtx(t)
	cs, ss := muxtest.Pair(t, nil)
	done := make(chan error, 1)
	go func() {
		_, _, err := Connect(ctx, ss, Config{})
		done <- err
	}()
	st, err := cs.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.Write([]byte("GET / HTTP/1.1\r\n\r\n"))
	if err := <-done; !errors.Is(err, ErrHandshake) || !errors.Is(err, wire.ErrNotTelechan) {
		t.Fatalf("server: %v, want ErrHandshake wrapping ErrNotTelechan", err)
	}
}

func TestHandshakeCancelled(t *testing.T) {
	cs, ss := muxtest.Pair(t, nil)
	_ = ss // the server never answers
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, _, err := Connect(ctx, cs, Config{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Connect against a silent peer: %v, want DeadlineExceeded", err)
	}
}

// TestHandshakeTimeout: a server given a context that never ends still
// gives up on a client that opens a session and says nothing.
func TestHandshakeTimeout(t *testing.T) {
	cs, ss := muxtest.Pair(t, nil)
	if _, err := cs.Open(context.Background()); err != nil { // open, then silence
		t.Fatal(err)
	}
	_, _, err := Connect(context.Background(), ss, Config{HandshakeTimeout: 50 * time.Millisecond})
	if !errors.Is(err, ErrHandshake) || !strings.Contains(err.Error(), "no answer") {
		t.Fatalf("Connect against a silent client: %v, want ErrHandshake saying no answer", err)
	}
}

func TestUnknownPort(t *testing.T) {
	ctx := testCtx(t)
	c, s, _, _, _, _ := pair[int](t, Config{}, Config{})
	st, err := c.claim(ctx, 999)
	if err != nil {
		t.Fatal(err)
	}
	typ, n, err := wire.ReadHeader(st)
	if err != nil || typ != wire.Error {
		t.Fatalf("claim of an unknown port: %v %v", typ, err)
	}
	e, err := readError(st, n)
	if err != nil || !errors.Is(e, ErrDropped) {
		t.Fatalf("error frame: %v / %v", e, err)
	}
	st.Close()
	_ = s
}
