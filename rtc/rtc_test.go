package rtc_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/telechan/telechan/internal/test/rchtest"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/mpsc"
	"github.com/telechan/telechan/rfn"
	"github.com/telechan/telechan/rtc/internal/testiface"
)

func TestMonster(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		for hops := 0; hops <= 2; hops++ { // 2: through a third peer
			ctx := rchtest.Ctx(t)
			m := newMonster()
			served := testiface.ServeMonster(m, nil)
			done := served.Done()
			var remote testiface.Monster = far(t, e, served, hops)
			if err := remote.JumpAround(ctx); err != nil || m.jumps.Load() != 1 {
				t.Fatalf("%d hops: JumpAround: %v, %d jumps", hops, err, m.jumps.Load())
			}
			if err := remote.GentlyScareSomeone(ctx, "alice"); err != nil || <-m.scared != "alice" {
				t.Fatalf("%d hops: GentlyScareSomeone: %v", hops, err)
			}
			if v, err := remote.EnergyLevel(ctx); v != 0.75 || err != nil {
				t.Fatalf("%d hops: EnergyLevel = %v, %v", hops, v, err)
			}
			err := remote.GentlyScareSomeone(ctx, "boom")
			if rfn.KindOf(err) != rfn.Failed || err.Error() != "rfn: failed: boom" {
				t.Fatalf("%d hops: error came back as %v", hops, err)
			}
			if err := remote.GentlyScareSomeone(ctx, "nobody"); !errors.Is(err, errAsleep) || !strings.Contains(err.Error(), "scare: the monster is asleep") {
				t.Fatalf("%d hops: registered error came back as %v", hops, err)
			}
			err = remote.GentlyScareSomeone(ctx, "panic")
			if rfn.KindOf(err) != rfn.Failed || !errors.Is(err, rfn.ErrPanic) || err.Error() != "rfn: failed: panic in Monster.GentlyScareSomeone" {
				t.Fatalf("%d hops: panic came back as %v", hops, err)
			}
			if err := remote.GentlyScareSomeone(ctx, "bob"); err != nil || <-m.scared != "bob" {
				t.Fatalf("%d hops: after a panic: %v", hops, err)
			}
			remote.(*testiface.MonsterClient).Close()
			if hops > 0 {
				waitDone(t, ctx, done) // every client is gone: the server learns it
			}
		}
	})
}

func TestCancelCrossesTheWire(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		m := newMonster()
		remote := far(t, e, testiface.ServeMonster(m, nil), 1)
		defer remote.Close()
		callCtx, cancel := context.WithCancel(ctx)
		errc := make(chan error, 1)
		go func() { errc <- remote.GentlyScareSomeone(callCtx, "wait") }()
		<-m.started
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("call after cancel: %v, want context.Canceled", err)
		}
		select {
		case err := <-m.cancelled:
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("serving side saw %v", err)
			}
		case <-ctx.Done():
			t.Fatal("the serving side never saw the cancellation")
		}
	})
}

// olderMonster is the client of a Monster from before it could scare
// anyone or tell its energy level.
type olderMonster struct {
	FnJumpAround *rfn.Func[struct{}, struct{}] `json:"JumpAround,omitempty"`
}

func TestUnimplemented(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		m := newMonster()
		served := testiface.ServeMonster(m, nil)
		done := served.Done()
		served.FnGentlyScareSomeone.Close()
		served.FnEnergyLevel.Close()
		cs, ss := e.Pair(t, nil)
		a, b := rchtest.Handshake[Msg[*olderMonster], struct{}, struct{}, Msg[*testiface.MonsterClient]](t, e, cs, ss, nil, nil)
		if err := a.Send(ctx, Msg[*olderMonster]{C: &olderMonster{FnJumpAround: served.FnJumpAround}}); err != nil {
			t.Fatal(err)
		}
		msg, err := b.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		remote := msg.C
		if _, err := remote.EnergyLevel(ctx); rfn.KindOf(err) != rfn.Unimplemented || !strings.Contains(err.Error(), "Monster.EnergyLevel") {
			t.Fatalf("EnergyLevel on an older server: %v, want Unimplemented", err)
		}
		if err := remote.GentlyScareSomeone(ctx, "x"); rfn.KindOf(err) != rfn.Unimplemented {
			t.Fatalf("GentlyScareSomeone on an older server: %v, want Unimplemented", err)
		}
		clone := remote.Clone()
		if err := clone.JumpAround(ctx); err != nil || m.jumps.Load() != 1 {
			t.Fatalf("JumpAround through a clone: %v", err)
		}
		if _, err := clone.EnergyLevel(ctx); rfn.KindOf(err) != rfn.Unimplemented {
			t.Fatalf("a clone has EnergyLevel: %v", err)
		}
		clone.Close()
		if remote.Done() != nil {
			t.Fatal("a received client has a Done channel")
		}
		remote.Close()
		waitDone(t, ctx, done)
	})
}

func TestConcurrencyLimit(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		m := newMonster()
		remote := far(t, e, testiface.ServeMonster(m, &rfn.Options{MaxConcurrent: 3}), 1)
		defer remote.Close()
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for range 20 {
			wg.Go(func() { errs <- remote.GentlyScareSomeone(ctx, "slow") })
		}
		for range 3 { // the limit is reached; the other 17 wait for a turn
			select {
			case <-m.started:
			case <-ctx.Done():
				t.Fatal("calls never started")
			}
		}
		close(m.release)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if p := m.peak.Load(); p != 3 {
			t.Fatalf("%d calls ran at once, limit 3", p)
		}
	})
}

func TestDoneWhenEveryClientIsGone(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		served := testiface.ServeMonster(newMonster(), nil)
		kept := served.Clone()
		remote := far(t, e, served, 2)
		if err := remote.JumpAround(ctx); err != nil {
			t.Fatal(err)
		}
		remote.Close()
		if err := kept.JumpAround(ctx); err != nil {
			t.Fatalf("the kept clone after the remote one closed: %v", err)
		}
		select {
		case <-kept.Done():
			t.Fatal("done while a clone is held")
		default:
		}
		kept.Close()
		kept.Close() // idempotent
		waitDone(t, ctx, kept.Done())
	})
}

func TestCounter(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		impl := newCounter()
		defer impl.shutdown()
		served := testiface.ServeCounter(impl, nil)
		done := served.Done()
		var remote testiface.Counter = far(t, e, served, 1)
		defer func() {
			remote.(*testiface.CounterClient).Close()
			waitDone(t, ctx, done)
		}()

		w, err := remote.Watch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		if v, err := w.Recv(ctx); v != 0 || err != nil {
			t.Fatalf("watch starts at %d, %v", v, err)
		}
		if err := remote.Increase(ctx, 5); err != nil {
			t.Fatal(err)
		}
		if v, err := remote.Value(ctx); v != 5 || err != nil {
			t.Fatalf("Value = %d, %v", v, err)
		}
		if v, err := w.Recv(ctx); v != 5 || err != nil {
			t.Fatalf("watch after Increase: %d, %v", v, err)
		}

		tx, rx := mpsc.New[int](4)
		defer rx.Close()
		if err := remote.CountTo(ctx, 6, tx); err != nil {
			t.Fatal(err)
		}
		got, err := rchtest.Collect(ctx, rx.Recv)
		if !errors.Is(err, io.EOF) || !slices.Equal(got, []int{1, 2, 3, 4, 5, 6}) {
			t.Fatalf("CountTo sent %v, then %v", got, err)
		}

		keeper, err := remote.Keeper(ctx, "igor") // a client in a result
		if err != nil {
			t.Fatal(err)
		}
		if v, err := keeper.EnergyLevel(ctx); v != 0.75 || err != nil {
			t.Fatalf("the keeper's monster: %v, %v", v, err)
		}
		keeper.Close()
		m := newMonster() // served here, called back from the counter's side
		mc := testiface.ServeMonster(m, nil)
		mdone := mc.Done()
		if v, err := remote.Visit(ctx, mc); v != 0.75 || err != nil || m.jumps.Load() != 1 {
			t.Fatalf("Visit = %v, %v; %d jumps", v, err, m.jumps.Load())
		}
		waitDone(t, ctx, mdone) // the counter closed the only holder
		if _, err := remote.Keeper(ctx, ""); err == nil || !strings.Contains(err.Error(), "needs a name") {
			t.Fatalf("Keeper error: %v", err)
		}
	})
}

func TestConnectionLost(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		m := newMonster()
		served := testiface.ServeMonster(m, nil)
		done := served.Done()
		a, b := rchtest.Connect[Msg[*testiface.MonsterClient], Msg[*testiface.MonsterClient]](t, e, nil, nil)
		if err := a.Send(ctx, Msg[*testiface.MonsterClient]{C: served}); err != nil {
			t.Fatal(err)
		}
		msg, err := b.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		remote := msg.C
		defer remote.Close()
		errc := make(chan error, 1)
		go func() { errc <- remote.GentlyScareSomeone(ctx, "wait") }()
		<-m.started
		a.Close() // the serving side's end of the connection goes
		if err := <-errc; rfn.KindOf(err) != rfn.Disconnected || !errors.Is(err, rch.ErrDisconnected) {
			t.Fatalf("call when the connection died: %v, want Disconnected", err)
		}
		waitDone(t, ctx, done) // the only client is gone with the connection
		if err := <-m.cancelled; !errors.Is(err, context.Canceled) {
			t.Fatalf("the running call saw %v", err)
		}
	})
}

func TestDeadlineCrossesTheWire(t *testing.T) {
	rchtest.Each(t, func(t *testing.T, e rchtest.Env) {
		ctx := rchtest.Ctx(t)
		m := newMonster()
		remote := far(t, e, testiface.ServeMonster(m, nil), 1)
		defer remote.Close()
		callCtx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		// Either side's deadline may fire first: the caller's gives
		// context.DeadlineExceeded unchanged; the server's comes back as a
		// Failed CallError with its message (rfn does not map it back).
		err := remote.GentlyScareSomeone(callCtx, "wait")
		if !errors.Is(err, context.DeadlineExceeded) && (rfn.KindOf(err) != rfn.Failed || !strings.Contains(err.Error(), "deadline exceeded")) {
			t.Fatalf("call past its deadline: %v", err)
		}
		select {
		case err := <-m.cancelled: // the deadline, or the cancel that follows it
			if err == nil {
				t.Fatal("the serving side's context did not end")
			}
		case <-ctx.Done():
			t.Fatal("the serving side never saw the deadline")
		}
	})
}
