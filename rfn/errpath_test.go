package rfn_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/telechan/telechan/internal/test/rchtest"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rfn"
)

// hop sends fn over one fresh connection with the given options at its
// receiving end, and returns it as it arrives.
func hop[A, R any](t *testing.T, e rchtest.Env, fn *rfn.Func[A, R], recvOpts *rch.Options) *rfn.Func[A, R] {
	t.Helper()
	type offer struct {
		Fn *rfn.Func[A, R] `json:"fn"`
	}
	ctx := rchtest.Ctx(t)
	a, b := rchtest.Connect[offer, offer](t, e, nil, recvOpts)
	if err := a.Send(ctx, offer{Fn: fn}); err != nil {
		t.Fatal(err)
	}
	o, err := b.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return o.Fn
}

// quick bounds how long an error path may take: far less than the test's
// deadline, so a call that waits for its deadline fails the test.
const quick = 5 * time.Second

// call calls fn with a and returns how long it took.
func call[A, R any](t *testing.T, fn *rfn.Func[A, R], a A) (R, time.Duration, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	r, err := fn.Call(ctx, a)
	took := time.Since(start)
	if took > quick {
		t.Fatalf("the call took %v: it waited instead of failing", took)
	}
	return r, took, err
}

// big returns a result of n bytes, or a short one for n = 0.
func big(_ context.Context, n int) (string, error) {
	if n == 0 {
		return "ok", nil
	}
	return strings.Repeat("x", n), nil
}

// TestReplyTooLarge: a result larger than the caller's limit (or the
// 16 MiB default), directly, through a forwarding hop with a smaller
// limit, ends the call at once with a Failed error matching
// rch.ErrTooLarge, and the function goes on serving. (Finding 2 of issue
// 13: Call waited for its deadline, then every later call hung.)
func TestReplyTooLarge(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		for _, tc := range []struct {
			name string
			n    int
			far  func(*rfn.Func[int, string]) *rfn.Func[int, string]
		}{
			{"over the default limit", 17 << 20, func(f *rfn.Func[int, string]) *rfn.Func[int, string] { return hop(t, e, f, nil) }},
			{"over the caller's limit", 2 << 20, func(f *rfn.Func[int, string]) *rfn.Func[int, string] {
				return hop(t, e, f, &rch.Options{MaxItemSize: 1 << 20})
			}},
			{"over a later hop's limit", 2 << 20, func(f *rfn.Func[int, string]) *rfn.Func[int, string] {
				return hop(t, e, hop(t, e, f, nil), &rch.Options{MaxItemSize: 1 << 20})
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				fn := tc.far(rfn.New(big, nil))
				defer fn.Close()
				_, took, err := call(t, fn, tc.n)
				var ce *rfn.CallError
				if !errors.As(err, &ce) || ce.Kind != rfn.Failed || !errors.Is(err, rch.ErrTooLarge) {
					t.Fatalf("a %d-byte result: %v, want a Failed error matching rch.ErrTooLarge", tc.n, err)
				}
				t.Logf("in %v: %v", took.Round(time.Millisecond), err)
				for range 3 { // the method goes on serving this client
					if r, _, err := call(t, fn, 0); r != "ok" || err != nil {
						t.Fatalf("the next call: %q, %v", r, err)
					}
				}
			})
		}
	})
}

// TestRequestUndecodable: the server cannot decode the argument (its
// function takes an int; this client was built for a string), as after an
// upgrade of one side. The call ends at once with a Failed error matching
// rch.ErrDecode, and the function goes on serving. (Finding 3.)
func TestRequestUndecodable(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		served := rfn.New(func(_ context.Context, n int) (int, error) { return n * 2, nil }, nil)
		type offer struct {
			Fn *rfn.Func[int, int] `json:"fn"`
		}
		type skewed struct {
			Fn *rfn.Func[string, int] `json:"fn"`
		}
		ctx := rchtest.Ctx(t)
		cs, ss := e.Pair(t, nil)
		a, b := rchtest.Handshake[offer, struct{}, struct{}, skewed](t, e, cs, ss, nil, nil)
		if err := a.Send(ctx, offer{served}); err != nil {
			t.Fatal(err)
		}
		o, err := b.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer o.Fn.Close()
		_, took, err := call(t, o.Fn, "not a number")
		if rfn.KindOf(err) != rfn.Failed || !errors.Is(err, rch.ErrDecode) {
			t.Fatalf("call with an argument the server cannot decode: %v, want Failed matching rch.ErrDecode", err)
		}
		t.Logf("in %v: %v", took.Round(time.Millisecond), err)
		// A number in a string is still no int: and the server goes on.
		if _, _, err := call(t, o.Fn, "21"); !errors.Is(err, rch.ErrDecode) {
			t.Fatalf("second call: %v", err)
		}
	})
}

// TestArgumentTooLarge: an argument over the limit fails the call at once
// with kind Failed, not Disconnected (finding 4): the connection is fine,
// and the next call works.
func TestArgumentTooLarge(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		fn := hop(t, e, rfn.New(func(_ context.Context, s string) (int, error) { return len(s), nil }, nil), nil)
		defer fn.Close()
		_, _, err := call(t, fn, strings.Repeat("x", 17<<20))
		if rfn.KindOf(err) != rfn.Failed || !errors.Is(err, rch.ErrTooLarge) {
			t.Fatalf("a 17 MiB argument: %v, want Failed matching rch.ErrTooLarge", err)
		}
		if n, _, err := call(t, fn, "four"); n != 4 || err != nil {
			t.Fatalf("the next call: %d, %v", n, err)
		}
	})
}

// TestResultUndecodable: the caller cannot decode the result (it was built
// for a string; the server returns an int). The call ends at once with a
// Failed error matching rch.ErrDecode, and the next call still works.
func TestResultUndecodable(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		served := rfn.New(func(_ context.Context, s string) (int, error) { return len(s), nil }, nil)
		type offer struct {
			Fn *rfn.Func[string, int] `json:"fn"`
		}
		type skewed struct {
			Fn *rfn.Func[string, []string] `json:"fn"`
		}
		ctx := rchtest.Ctx(t)
		cs, ss := e.Pair(t, nil)
		a, b := rchtest.Handshake[offer, struct{}, struct{}, skewed](t, e, cs, ss, nil, nil)
		if err := a.Send(ctx, offer{served}); err != nil {
			t.Fatal(err)
		}
		o, err := b.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer o.Fn.Close()
		for range 2 {
			if _, _, err := call(t, o.Fn, "abc"); rfn.KindOf(err) != rfn.Failed || !errors.Is(err, rch.ErrDecode) {
				t.Fatalf("a result the caller cannot decode: %v", err)
			}
		}
	})
}
