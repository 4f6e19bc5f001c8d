package rch_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/mpsc"
	"github.com/telechan/telechan/rch/oneshot"
)

// Bundle holds halves of every kind, in every place a value can hold them.
type Bundle struct {
	Name    string                                 `json:"name"`
	Numbers *mpsc.Sender[int]                      `json:"numbers"`
	Words   *mpsc.Receiver[string]                 `json:"words"`
	Reply   *oneshot.Sender[string]                `json:"reply"`
	Nested  struct{ Done *oneshot.Receiver[bool] } `json:"nested"`
	Many    []*mpsc.Sender[int]                    `json:"many"`
	ByName  map[string]*mpsc.Sender[int]           `json:"by_name"`
	Ptr     *Inner                                 `json:"ptr"`
	Nil     *mpsc.Sender[int]                      `json:"nil"`
}

type Inner struct {
	Tx *mpsc.Sender[int] `json:"tx"`
}

func TestHalvesOfEveryKind(t *testing.T) {
	each(t, func(t *testing.T, e env) {
		ctx := testCtx(t)
		client, server := connect[Bundle, struct{}](t, e, nil, nil)

		numTx, numRx := mpsc.New[int](4)
		wordTx, wordRx := mpsc.New[string](4)
		replyTx, replyRx := oneshot.New[string]()
		doneTx, doneRx := oneshot.New[bool]()
		manyTx, manyRx := mpsc.New[int](8)
		b := Bundle{
			Name: "all", Numbers: numTx, Words: wordRx, Reply: replyTx,
			Many:   []*mpsc.Sender[int]{manyTx, manyTx.Clone()},
			ByName: map[string]*mpsc.Sender[int]{"x": manyTx.Clone()},
			Ptr:    &Inner{Tx: manyTx.Clone()},
		}
		b.Nested.Done = doneRx
		if err := client.Send(ctx, b); err != nil {
			t.Fatal(err)
		}

		srv := make(chan error, 1)
		go func() {
			got, err := server.Recv(ctx)
			if err != nil {
				srv <- err
				return
			}
			got.Numbers.Send(ctx, 7)
			got.Numbers.Close()
			w, _ := got.Words.Recv(ctx)
			got.Reply.Send("got " + w)
			for i, tx := range append(got.Many, got.ByName["x"], got.Ptr.Tx) {
				tx.Send(ctx, i)
				tx.Close()
			}
			if got.Nil != nil {
				srv <- errors.New("nil half came back non-nil")
				return
			}
			ok, err := got.Nested.Done.Recv(ctx)
			if !ok || err != nil {
				srv <- errors.New("done not received")
				return
			}
			srv <- nil
		}()

		if v, err := numRx.Recv(ctx); v != 7 || err != nil {
			t.Fatalf("numbers: %v, %v", v, err)
		}
		if _, err := numRx.Recv(ctx); !errors.Is(err, io.EOF) {
			t.Fatalf("numbers after close: %v, want io.EOF", err)
		}
		wordTx.Send(ctx, "hello")
		if r, err := replyRx.Recv(ctx); r != "got hello" || err != nil {
			t.Fatalf("reply: %q, %v", r, err)
		}
		got, err := collect(ctx, manyRx.Recv)
		slices.Sort(got)
		if !errors.Is(err, io.EOF) || !slices.Equal(got, []int{0, 1, 2, 3}) {
			t.Fatalf("many: %v, %v", got, err)
		}
		doneTx.Send(true)
		if err := <-srv; err != nil {
			t.Fatal(err)
		}
	})
}

type WithRx struct {
	Rx *mpsc.Receiver[int] `json:"rx"`
	N  int                 `json:"n"`
}

type WithRxBadN struct {
	Rx *mpsc.Receiver[int] `json:"rx"`
	N  string              `json:"n"`
}

func TestSenderSeesWhy(t *testing.T) {
	each(t, func(t *testing.T, e env) {
		t.Run("receiver closed", func(t *testing.T) {
			ctx := testCtx(t)
			client, server := connect[WithRx, struct{}](t, e, nil, nil)
			tx, rx := mpsc.New[int](1)
			client.Send(ctx, WithRx{Rx: rx})
			got, err := server.Recv(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got.Rx.Close()
			waitErr(t, ctx, tx, rch.ErrClosed)
		})
		t.Run("receiver dropped", func(t *testing.T) {
			ctx := testCtx(t)
			cs, ss := e.Pair(t, nil)
			client, server := handshake[WithRxBadN, struct{}, struct{}, WithRx](t, e, cs, ss, nil, nil)
			tx, rx := mpsc.New[int](1)
			client.Send(ctx, WithRxBadN{Rx: rx, N: "not a number"})
			if _, err := server.Recv(ctx); !errors.Is(err, rch.ErrDecode) {
				t.Fatalf("Recv of a bad message: %v, want ErrDecode", err)
			}
			waitErr(t, ctx, tx, rch.ErrDropped)
		})
		t.Run("connection lost", func(t *testing.T) {
			ctx := testCtx(t)
			client, server := connect[WithRx, struct{}](t, e, nil, nil)
			tx, rx := mpsc.New[int](1)
			client.Send(ctx, WithRx{Rx: rx})
			if _, err := server.Recv(ctx); err != nil {
				t.Fatal(err)
			}
			server.Close()
			waitErr(t, ctx, tx, rch.ErrDisconnected)
		})
	})
}

// waitErr sends on tx until Send fails, and checks why.
func waitErr(t *testing.T, ctx context.Context, tx *mpsc.Sender[int], want error) {
	t.Helper()
	for i := 0; ; i++ {
		err := tx.Send(ctx, i)
		if err == nil {
			continue
		}
		if !errors.Is(err, want) {
			t.Fatalf("Send failed with %v, want %v", err, want)
		}
		if err := tx.Err(); !errors.Is(err, want) {
			t.Fatalf("Err() = %v, want %v", err, want)
		}
		return
	}
}

func TestMovedHalf(t *testing.T) {
	each(t, func(t *testing.T, e env) {
		ctx := testCtx(t)
		client, _ := connect[WithRx, struct{}](t, e, nil, nil)
		_, rx := mpsc.New[int](1)
		if err := client.Send(ctx, WithRx{Rx: rx}); err != nil {
			t.Fatal(err)
		}
		if _, err := rx.Recv(ctx); !errors.Is(err, rch.ErrMoved) {
			t.Fatalf("Recv on a half sent away: %v, want ErrMoved", err)
		}
		if err := client.Send(ctx, WithRx{Rx: rx}); !errors.Is(err, rch.ErrMoved) {
			t.Fatalf("sending a half twice: %v, want ErrMoved", err)
		}
	})
}

func TestTooLargeKeepsHalves(t *testing.T) {
	each(t, func(t *testing.T, e env) {
		ctx := testCtx(t)
		type Msg struct {
			Tx  *mpsc.Sender[int] `json:"tx"`
			Pad []byte            `json:"pad"`
		}
		client, server := connect[Msg, Msg](t, e, nil, &rch.Options{MaxItemSize: 1024})
		tx, rx := mpsc.New[int](1)
		if err := client.Send(ctx, Msg{Tx: tx, Pad: make([]byte, 2048)}); !errors.Is(err, rch.ErrTooLarge) {
			t.Fatalf("Send: %v, want ErrTooLarge", err)
		}
		// The half was not sent: it still works here, and can be sent again.
		if err := tx.Send(ctx, 1); err != nil {
			t.Fatalf("local Send after a failed send: %v", err)
		}
		if v, err := rx.Recv(ctx); v != 1 || err != nil {
			t.Fatalf("local Recv: %v, %v", v, err)
		}
		if err := client.Send(ctx, Msg{Tx: tx}); err != nil {
			t.Fatal(err)
		}
		got, err := server.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got.Tx.Send(ctx, 2)
		if v, err := rx.Recv(ctx); v != 2 || err != nil {
			t.Fatalf("remote Recv: %v, %v", v, err)
		}
	})
}
