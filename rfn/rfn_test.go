package rfn_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/telechan/telechan/internal/test/rchtest"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rfn"
)

type Offer struct {
	Fn *rfn.Func[string, int] `json:"fn"`
}

// far sends fn over a fresh connection per hop and returns it as it arrives.
func far(t *testing.T, e rchtest.Env, fn *rfn.Func[string, int], hops int) (*rfn.Func[string, int], []*rch.Base[Offer, Offer]) {
	t.Helper()
	ctx := rchtest.Ctx(t)
	var bases []*rch.Base[Offer, Offer]
	for range hops {
		a, b := rchtest.Connect[Offer, Offer](t, e, nil, nil)
		bases = append(bases, a, b)
		if err := a.Send(ctx, Offer{Fn: fn}); err != nil {
			t.Fatal(err)
		}
		o, err := b.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		fn = o.Fn
	}
	return fn, bases
}

func length(_ context.Context, s string) (int, error) {
	switch s {
	case "boom":
		return 0, errors.New("boom: " + s)
	case "panic":
		panic("the monster tripped")
	}
	return len(s), nil
}

func TestCallAcrossPeers(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		for hops := 0; hops <= 2; hops++ {
			ctx := rchtest.Ctx(t)
			fn := rfn.New(length, nil)
			done := fn.Done()
			remote, _ := far(t, e, fn, hops)
			if n, err := remote.Call(ctx, "hello"); n != 5 || err != nil {
				t.Fatalf("%d hops: Call = %d, %v", hops, n, err)
			}
			_, err := remote.Call(ctx, "boom")
			var ce *rfn.CallError
			if !errors.As(err, &ce) || ce.Kind != rfn.Failed || ce.Msg != "boom: boom" {
				t.Fatalf("%d hops: error came back as %#v", hops, err)
			}
			_, err = remote.Call(ctx, "panic")
			if rfn.KindOf(err) != rfn.Failed || !errors.Is(err, rfn.ErrPanic) || err.Error() != "rfn: failed: panic in function" {
				t.Fatalf("%d hops: panic came back as %v", hops, err)
			}
			if n, err := remote.Call(ctx, "still serving"); n != 13 || err != nil {
				t.Fatalf("%d hops: after a panic: %d, %v", hops, n, err)
			}
			remote.Close()
			if hops == 0 {
				continue
			}
			select { // every holder is gone: the provider learns it
			case <-done:
			case <-ctx.Done():
				t.Fatalf("%d hops: serving never stopped", hops)
			}
		}
	})
}

func TestCancelCrossesTheWire(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		started := make(chan struct{})
		cancelled := make(chan error, 1)
		fn := rfn.New(func(ctx context.Context, _ string) (int, error) {
			close(started)
			<-ctx.Done()
			cancelled <- ctx.Err()
			return 0, ctx.Err()
		}, nil)
		remote, _ := far(t, e, fn, 1)
		defer remote.Close()
		callCtx, cancel := context.WithCancel(ctx)
		errc := make(chan error, 1)
		go func() {
			_, err := remote.Call(callCtx, "wait")
			errc <- err
		}()
		<-started
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("Call after cancel: %v, want context.Canceled unchanged", err)
		}
		select {
		case err := <-cancelled:
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("serving side saw %v", err)
			}
		case <-ctx.Done():
			t.Fatal("the serving side never saw the cancellation")
		}
	})
}

func TestDeadlineCrossesTheWire(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		fn := rfn.New(func(ctx context.Context, _ string) (int, error) {
			d, ok := ctx.Deadline()
			if !ok {
				return 0, errors.New("no deadline")
			}
			return int(time.Until(d) / time.Second), nil
		}, nil)
		remote, _ := far(t, e, fn, 1)
		defer remote.Close()
		callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if s, err := remote.Call(callCtx, "x"); err != nil || s < 5 || s > 10 {
			t.Fatalf("deadline on the serving side: %d s, %v", s, err)
		}
	})
}

func TestConcurrencyLimit(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		var now, peak atomic.Int32
		release := make(chan struct{})
		entered := make(chan struct{}, 20)
		fn := rfn.New(func(ctx context.Context, _ string) (int, error) {
			entered <- struct{}{}
			n := now.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			<-release
			now.Add(-1)
			return 1, nil
		}, &rfn.Options{MaxConcurrent: 3})
		remote, _ := far(t, e, fn, 1)
		defer remote.Close()
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := remote.Call(ctx, "x")
				errs <- err
			}()
		}
		for range 3 { // the limit is reached; the other 17 wait for a turn
			select {
			case <-entered:
			case <-ctx.Done():
				t.Fatal("calls never started")
			}
		}
		close(release)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if p := peak.Load(); p != 3 {
			t.Fatalf("%d calls ran at once, limit 3", p)
		}
	})
}

func TestConnectionLost(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		started := make(chan struct{})
		fn := rfn.New(func(ctx context.Context, _ string) (int, error) {
			close(started)
			<-ctx.Done()
			return 0, ctx.Err()
		}, nil)
		remote, bases := far(t, e, fn, 1)
		defer remote.Close()
		errc := make(chan error, 1)
		go func() {
			_, err := remote.Call(ctx, "x")
			errc <- err
		}()
		<-started
		bases[0].Close() // the provider's side of the connection goes
		err := <-errc
		if rfn.KindOf(err) != rfn.Disconnected || !errors.Is(err, rch.ErrDisconnected) {
			t.Fatalf("Call when the connection died: %v, want Disconnected", err)
		}
	})
}

func TestOnce(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		fn := rfn.NewOnce(length, nil)
		remote, _ := far(t, e, fn, 1)
		defer remote.Close()
		if n, err := remote.Call(ctx, "abc"); n != 3 || err != nil {
			t.Fatalf("first call: %d, %v", n, err)
		}
		if _, err := remote.Call(ctx, "abc"); !strings.Contains(fmt.Sprint(err), rfn.ErrUsed.Error()) {
			t.Fatalf("second call: %v, want %v", err, rfn.ErrUsed)
		}
	})
}

var errAsleep = errors.New("the monster is asleep")

func init() { rfn.RegisterError("monster.asleep", errAsleep) }

func TestRegisteredErrorsMatch(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		fn := rfn.New(func(context.Context, string) (int, error) {
			return 0, fmt.Errorf("jump: %w", errAsleep)
		}, nil)
		remote, _ := far(t, e, fn, 1)
		defer remote.Close()
		_, err := remote.Call(ctx, "x")
		if !errors.Is(err, errAsleep) || err.Error() != "rfn: failed: jump: the monster is asleep" {
			t.Fatalf("registered error came back as %v (errors.Is %v)", err, errors.Is(err, errAsleep))
		}
	})
}

// TestForwardedHolderLetsGo checks that a holder which has called and is
// then sent on leaves nothing behind: its reply channel ends, though the
// function is still served and the holder it became takes replies. (No
// goroutine waits for replies in either: they are handed out as they
// arrive, and goleak checks that none is left.)
func TestForwardedHolderLetsGo(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		fn := rfn.New(length, nil)
		defer fn.Close() // keeps the function served throughout
		middle, _ := far(t, e, fn.Clone(), 1)
		if n, err := middle.Call(ctx, "abc"); n != 3 || err != nil {
			t.Fatalf("middle: Call = %d, %v", n, err)
		}
		end, _ := far(t, e, middle, 1)
		defer end.Close()
		if n, err := end.Call(ctx, "abcd"); n != 4 || err != nil {
			t.Fatalf("end: Call = %d, %v", n, err)
		}
		if _, err := middle.Call(ctx, "x"); err == nil {
			t.Fatal("a holder sent away still calls")
		}
		for rfn.WaitsForReplies(middle) {
			select {
			case <-ctx.Done():
				t.Fatal("the holder sent away still takes replies")
			case <-time.After(5 * time.Millisecond):
			}
		}
		if !rfn.WaitsForReplies(end) {
			t.Fatal("the holder it became takes no replies")
		}
	})
}

// TestPanicStaysOnTheServer: a panic reaches the caller as a short message
// naming the function and a code it can match; the value and the stack
// (file paths, goroutine dump) go to the serving side's log only.
func TestPanicStaysOnTheServer(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		var log strings.Builder
		var mu sync.Mutex
		logger := slog.New(slog.NewTextHandler(lockedWriter{&mu, &log}, nil))
		fn := rfn.New(length, &rfn.Options{Name: "Monster.Trip", Logger: logger})
		remote, _ := far(t, e, fn, 1)
		defer remote.Close()
		_, err := remote.Call(ctx, "panic")
		var ce *rfn.CallError
		if !errors.As(err, &ce) || ce.Msg != "panic in Monster.Trip" || !errors.Is(err, rfn.ErrPanic) {
			t.Fatalf("panic came back as %#v", err)
		}
		for _, secret := range []string{"the monster tripped", ".go:", "goroutine"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("the caller saw %q: %v", secret, err)
			}
		}
		mu.Lock()
		logged := log.String()
		mu.Unlock()
		if !strings.Contains(logged, "the monster tripped") || !strings.Contains(logged, "rfn_test.go") {
			t.Errorf("the server's log lacks the panic and its stack:\n%s", logged)
		}
	})
}

// TestErrUsedAcrossTheWire: a second call of a once-function matches
// rfn.ErrUsed on the calling side, however far it is.
func TestErrUsedAcrossTheWire(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		fn := rfn.NewOnce(length, nil)
		remote, _ := far(t, e, fn, 2)
		defer remote.Close()
		if n, err := remote.Call(ctx, "once"); n != 4 || err != nil {
			t.Fatalf("first call: %d, %v", n, err)
		}
		if _, err := remote.Call(ctx, "twice"); !errors.Is(err, rfn.ErrUsed) || rfn.KindOf(err) != rfn.Failed {
			t.Fatalf("second call: %v, want rfn.ErrUsed", err)
		}
	})
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
