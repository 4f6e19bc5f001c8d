package rch_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/telechan/telechan/codec"
	"github.com/telechan/telechan/rch"
)

func TestEcho(t *testing.T) {
	each(t, func(t *testing.T, e env) {
		ctx := testCtx(t)
		client, server := connect[int, int](t, e, nil, nil)
		const n = 1000
		go func() {
			for {
				v, err := server.Recv(ctx)
				if err != nil {
					server.CloseSend()
					return
				}
				if server.Send(ctx, v*2) != nil {
					return
				}
			}
		}()
		go func() {
			for i := range n {
				if client.Send(ctx, i) != nil {
					return
				}
			}
			client.CloseSend()
		}()
		got, err := collect(ctx, client.Recv)
		if !errors.Is(err, io.EOF) {
			t.Fatalf("Recv ended with %v, want io.EOF", err)
		}
		if len(got) != n {
			t.Fatalf("got %d values, want %d", len(got), n)
		}
		for i, v := range got {
			if v != 2*i {
				t.Fatalf("value %d is %d, want %d", i, v, 2*i)
			}
		}
	})
}

func TestLargeValues(t *testing.T) {
	each(t, func(t *testing.T, e env) {
		ctx := testCtx(t)
		client, server := connect[[]byte, []byte](t, e, nil, nil)
		sizes := []int{0, 1, 100, 64 << 10, 300 << 10, 1 << 20}
		rng := rand.New(rand.NewPCG(1, 2))
		var sent [][]byte
		for _, n := range sizes {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			sent = append(sent, b)
		}
		go func() {
			for _, b := range sent {
				client.Send(ctx, b)
			}
		}()
		for i, want := range sent {
			got, err := server.Recv(ctx)
			if err != nil {
				t.Fatalf("value %d: %v", i, err)
			}
			if !bytes.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Fatalf("value %d (%d bytes) came back different (%d bytes)", i, len(want), len(got))
			}
		}
	})
}

func TestHandshakeCodecMismatch(t *testing.T) {
	e := envs()[0]
	cs, ss := e.Pair(t, nil)
	ctx := testCtx(t)
	srv := make(chan error, 1)
	go func() {
		_, err := rch.Connect[int, int](ctx, ss, &rch.Options{Codecs: []codec.Codec{codec.CBOR}})
		srv <- err
	}()
	_, err := rch.Connect[int, int](ctx, cs, &rch.Options{Codecs: []codec.Codec{codec.JSON}})
	serr := <-srv
	for side, err := range map[string]error{"client": err, "server": serr} {
		if !errors.Is(err, rch.ErrHandshake) {
			t.Errorf("%s: got %v, want ErrHandshake", side, err)
		}
	}
	t.Logf("client: %v\nserver: %v", err, serr)
}

func TestOversizedSend(t *testing.T) {
	each(t, func(t *testing.T, e env) {
		ctx := testCtx(t)
		client, server := connect[[]byte, []byte](t, e, nil, &rch.Options{MaxItemSize: 4096})
		err := client.Send(ctx, make([]byte, 8192))
		if !errors.Is(err, rch.ErrTooLarge) {
			t.Fatalf("Send of 8 KiB to a 4 KiB peer: %v, want ErrTooLarge", err)
		}
		if err := client.Send(ctx, []byte("still fine")); err != nil {
			t.Fatalf("Send after a too-large item: %v", err)
		}
		got, err := server.Recv(ctx)
		if err != nil || string(got) != "still fine" {
			t.Fatalf("Recv = %q, %v", got, err)
		}
	})
}

func TestRecvAfterPeerClose(t *testing.T) {
	each(t, func(t *testing.T, e env) {
		ctx := testCtx(t)
		client, server := connect[int, int](t, e, nil, nil)
		server.Close()
		_, err := client.Recv(ctx)
		if !errors.Is(err, rch.ErrDisconnected) {
			t.Fatalf("Recv after the peer closed: %v, want ErrDisconnected", err)
		}
		<-client.Done()
		if err := client.Send(ctx, 1); !errors.Is(err, rch.ErrDisconnected) {
			t.Fatalf("Send after the peer closed: %v, want ErrDisconnected", err)
		}
	})
}
