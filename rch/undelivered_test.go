package rch_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/telechan/telechan/codec"
	"github.com/telechan/telechan/internal/test/rchtest"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/mpsc"
)

type rxOf[T any] struct {
	Rx *mpsc.Receiver[T] `json:"rx" cbor:"rx"`
}

// chain sends rx from A to B and B passes it on to C, each hop with its own
// codec and C with its own item limit; it returns the receiver at C.
func chain[T any](t *testing.T, e rchtest.Env, rx *mpsc.Receiver[T], abCodec, bcCodec codec.Codec, cMax int) *mpsc.Receiver[T] {
	t.Helper()
	ctx := testCtx(t)
	ab, ba := connect[rxOf[T], rxOf[T]](t, e, &rch.Options{Codecs: []codec.Codec{abCodec}}, &rch.Options{Codecs: []codec.Codec{abCodec}})
	bc, cb := connect[rxOf[T], rxOf[T]](t, e, &rch.Options{Codecs: []codec.Codec{bcCodec}}, &rch.Options{Codecs: []codec.Codec{bcCodec}, MaxItemSize: cMax})
	if err := ab.Send(ctx, rxOf[T]{rx}); err != nil {
		t.Fatal(err)
	}
	atB, err := ba.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := bc.Send(ctx, atB); err != nil {
		t.Fatal(err)
	}
	atC, err := cb.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return atC.Rx
}

// undelivered sends on tx until Send reports an earlier item undelivered,
// and returns that error and how long it took to come. It fails the test
// after 5 s: the report must come within a bound, not at a deadline.
func undelivered[T any](t *testing.T, ctx context.Context, tx *mpsc.Sender[T], probe T) (time.Duration, error) {
	t.Helper()
	start := time.Now()
	for time.Since(start) < 5*time.Second {
		err := tx.Send(ctx, probe) // C reads it as a value
		if err != nil {
			return time.Since(start), err
		}
		time.Sleep(2 * time.Millisecond) // pacing the probes
	}
	t.Fatal("the sender never learnt that an item was not delivered")
	return 0, nil
}

// sendOrReport sends v on tx. The report of an earlier item that was not
// delivered may come back before it (the forwarder is quick), and then
// that Send returns it and does not send v: the report is returned and v
// is sent again.
func sendOrReport[T any](t *testing.T, ctx context.Context, tx *mpsc.Sender[T], v T) error {
	t.Helper()
	report := tx.Send(ctx, v)
	if report == nil {
		return nil
	}
	if !errors.Is(report, rch.ErrNotDelivered) {
		t.Fatalf("Send: %v", report)
	}
	if err := tx.Send(ctx, v); err != nil {
		t.Fatalf("Send after the report: %v", err)
	}
	return report
}

// TestForwarderReportsTooLarge: A's receiver went to C through B, and C's
// connection takes smaller items. B cannot pass A's 100-byte item on: C's
// Recv gets ErrTooLarge in its place and goes on with "hi", and A's next
// Send reports ErrNotDelivered wrapping ErrTooLarge. (Finding 1 of issue
// 13: A's Send returned nil and C got "hi" with no error.)
func TestForwarderReportsTooLarge(t *testing.T) {
	each(t, func(t *testing.T, e env) {
		ctx := testCtx(t)
		tx, rx := mpsc.New[string](4)
		atC := chain(t, e, rx, e.Codec, e.Codec, 64) // C takes items of 64 bytes at most
		if err := tx.Send(ctx, strings.Repeat("x", 100)); err != nil {
			t.Fatal(err)
		}
		err := sendOrReport(t, ctx, tx, "hi")
		if _, err := atC.Recv(ctx); !errors.Is(err, rch.ErrTooLarge) {
			t.Fatalf("C's Recv of the item B could not pass on: %v, want ErrTooLarge", err)
		}
		if v, err := atC.Recv(ctx); v != "hi" || err != nil {
			t.Fatalf("C's next Recv: %q, %v; want hi", v, err)
		}
		var took time.Duration
		if err == nil {
			took, err = undelivered(t, ctx, tx, "probe")
		}
		if !errors.Is(err, rch.ErrNotDelivered) || !errors.Is(err, rch.ErrTooLarge) {
			t.Fatalf("A's Send: %v, want ErrNotDelivered wrapping ErrTooLarge", err)
		}
		t.Logf("A learnt it within %v: %v", took.Round(time.Millisecond), err)
		if err := tx.Send(ctx, "after"); err != nil { // the channel goes on
			t.Fatalf("Send after the report: %v", err)
		}
		for {
			v, err := atC.Recv(ctx)
			if err != nil {
				t.Fatalf("C after the report: %v", err)
			}
			if v == "after" {
				break
			}
		}
	})
}

// TestForwarderReportsEncode: B's onward connection speaks JSON, which
// has no NaN: B cannot re-encode A's item. C gets ErrDecode in its place,
// the stream still ends cleanly after, and A learns it. (Finding 1: the
// NaN vanished and the stream ended with a clean io.EOF.)
func TestForwarderReportsEncode(t *testing.T) {
	for _, tr := range envs() {
		if tr.Codec != codec.CBOR {
			continue
		}
		t.Run(strings.Split(tr.Name, "/")[0], func(t *testing.T) {
			ctx := testCtx(t)
			tx, rx := mpsc.New[float64](4)
			atC := chain(t, tr, rx, codec.CBOR, codec.JSON, 0)
			tx.Send(ctx, math.NaN())
			err := sendOrReport(t, ctx, tx, 2)
			if _, err := atC.Recv(ctx); !errors.Is(err, rch.ErrDecode) || !strings.Contains(err.Error(), "NaN") {
				t.Fatalf("C's Recv of the NaN: %v, want ErrDecode naming it", err)
			}
			if v, err := atC.Recv(ctx); v != 2 || err != nil {
				t.Fatalf("C's next Recv: %v, %v", v, err)
			}
			if err == nil {
				_, err = undelivered(t, ctx, tx, -1)
			}
			if !errors.Is(err, rch.ErrNotDelivered) || !errors.Is(err, rch.ErrDecode) {
				t.Fatalf("A's Send: %v", err)
			}
			tx.Close()
			for {
				_, err := atC.Recv(ctx)
				if err != nil {
					if !errors.Is(err, io.EOF) {
						t.Fatalf("C's stream ended with %v", err)
					}
					break
				}
			}
		})
	}
}

// TestReceiverReportsDecode: the final receiver cannot decode an item (its
// type differs from the sender's); Recv says so and goes on, and the
// sender learns it.
func TestReceiverReportsDecode(t *testing.T) {
	each(t, func(t *testing.T, e env) {
		ctx := testCtx(t)
		cs, ss := e.Pair(t, nil)
		type strRx struct {
			Rx *mpsc.Receiver[string] `json:"rx" cbor:"rx"`
		}
		type intRx struct {
			Rx *mpsc.Receiver[int] `json:"rx" cbor:"rx"`
		}
		a, b := handshake[strRx, struct{}, struct{}, intRx](t, e, cs, ss, nil, nil)
		tx, rx := mpsc.New[string](4)
		if err := a.Send(ctx, strRx{rx}); err != nil {
			t.Fatal(err)
		}
		m, err := b.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tx.Send(ctx, "not a number")
		if _, err := m.Rx.Recv(ctx); !errors.Is(err, rch.ErrDecode) {
			t.Fatalf("Recv: %v, want ErrDecode", err)
		}
		start := time.Now()
		for {
			err := tx.Send(ctx, "7")
			if errors.Is(err, rch.ErrNotDelivered) && errors.Is(err, rch.ErrDecode) {
				break
			}
			if err != nil || time.Since(start) > 5*time.Second {
				t.Fatalf("Send: %v after %v", err, time.Since(start))
			}
			time.Sleep(2 * time.Millisecond) // pacing the probes
		}
	})
}

// itemsOf returns how many lost items a report of ErrNotDelivered counts.
func itemsOf(err error) int {
	var n interface{ Items() int }
	if errors.As(err, &n) {
		return n.Items()
	}
	return 1
}

// TestThreeHopsNothingLost: items of every fate cross A → B → C with a
// CBOR hop, then a JSON hop whose receiver takes 64 bytes at most. Every
// item A sent reaches C as a value or an item error, in order, and A hears
// of the losses.
func TestThreeHopsNothingLost(t *testing.T) {
	for _, tr := range envs() {
		if tr.Codec != codec.CBOR {
			continue
		}
		t.Run(strings.Split(tr.Name, "/")[0], func(t *testing.T) {
			ctx := testCtx(t)
			tx, rx := mpsc.New[[]float64](64)
			probe := tx.Clone() // asks, once C has everything, what A heard
			atC := chain(t, tr, rx, codec.CBOR, codec.JSON, 64)
			long := make([]float64, 40) // 81 bytes of JSON
			plan := [][]float64{{1}, {math.NaN()}, {2}, long, {3}, {math.Inf(1)}, {4}}
			want := []string{"[1]", "lost", "[2]", "lost", "[3]", "lost", "[4]"}
			heard := 0
			for _, v := range plan {
				err := tx.Send(ctx, v)
				if errors.Is(err, rch.ErrNotDelivered) {
					heard += itemsOf(err) // one report may tell of several
					err = tx.Send(ctx, v) // that Send did not send v: again
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			tx.Close()
			var got []string
			for len(got) < len(want) {
				v, err := atC.Recv(ctx)
				switch {
				case errors.Is(err, rch.ErrDecode), errors.Is(err, rch.ErrTooLarge):
					got = append(got, "lost")
				case err != nil:
					t.Fatalf("C: %v", err)
				default:
					got = append(got, fmt.Sprint(v))
				}
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("C got %v, want %v", got, want)
			}
			// The notices travel back hop by hop: probe until all came.
			for heard < 3 {
				_, err := undelivered(t, ctx, probe, nil)
				heard += itemsOf(err)
				t.Logf("A: %v", err)
			}
			if heard != 3 {
				t.Fatalf("A heard of %d losses, want 3", heard)
			}
			probe.Close()
			for { // the probes reach C as values, then the end
				v, err := atC.Recv(ctx)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil || v != nil {
					t.Fatalf("C: %v, %v; want the probes, then the end", v, err)
				}
			}
		})
	}
}
