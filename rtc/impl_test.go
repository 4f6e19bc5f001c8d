package rtc_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/telechan/telechan/internal/test/rchtest"
	"github.com/telechan/telechan/rch/mpsc"
	"github.com/telechan/telechan/rch/watch"
	"github.com/telechan/telechan/rfn"
	"github.com/telechan/telechan/rtc/internal/testiface"
)

var errAsleep = errors.New("the monster is asleep")

func init() { rfn.RegisterError("rtc_test.asleep", errAsleep) }

// monster is a testiface.Monster whose behaviour GentlyScareSomeone's
// argument picks.
type monster struct {
	jumps     atomic.Int32
	scared    chan string   // every person scared
	started   chan struct{} // "wait" and "slow" calls, as they start
	cancelled chan error    // what "wait" calls saw
	release   chan struct{} // lets "slow" calls end
	now, peak atomic.Int32
}

func newMonster() *monster {
	return &monster{
		scared:    make(chan string, 100),
		started:   make(chan struct{}, 100),
		cancelled: make(chan error, 100),
		release:   make(chan struct{}),
	}
}

func (m *monster) JumpAround(context.Context) error { m.jumps.Add(1); return nil }

func (m *monster) EnergyLevel(context.Context) (float64, error) { return 0.75, nil }

func (m *monster) GentlyScareSomeone(ctx context.Context, who string) error {
	switch who {
	case "nobody":
		return fmt.Errorf("scare: %w", errAsleep)
	case "boom":
		return errors.New("boom")
	case "panic":
		panic("the monster tripped")
	case "wait":
		m.started <- struct{}{}
		<-ctx.Done()
		m.cancelled <- ctx.Err()
		return ctx.Err()
	case "slow":
		n := m.now.Add(1)
		for p := m.peak.Load(); n > p && !m.peak.CompareAndSwap(p, n); p = m.peak.Load() {
		}
		m.started <- struct{}{}
		<-m.release
		m.now.Add(-1)
		return nil
	}
	m.scared <- who
	return nil
}

// counter is remoc's counter.
type counter struct {
	mu sync.Mutex
	v  int
	tx *watch.Sender[int]
	rx *watch.Receiver[int]
}

func newCounter() *counter {
	tx, rx := watch.New(0)
	return &counter{tx: tx, rx: rx}
}

func (c *counter) Value(context.Context) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.v, nil
}

func (c *counter) Watch(context.Context) (*watch.Receiver[int], error) { return c.rx.Clone(), nil }

func (c *counter) Increase(_ context.Context, by int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.v += by
	return c.tx.Send(c.v)
}

func (c *counter) CountTo(ctx context.Context, n int, to *mpsc.Sender[int]) error {
	defer to.Close()
	for i := 1; i <= n; i++ {
		if err := to.Send(ctx, i); err != nil {
			return err
		}
	}
	return nil
}

func (c *counter) Keeper(_ context.Context, name string) (*testiface.MonsterClient, error) {
	if name == "" {
		return nil, errors.New("a keeper needs a name")
	}
	return testiface.ServeMonster(newMonster(), nil), nil
}

func (c *counter) Visit(ctx context.Context, m *testiface.MonsterClient) (float64, error) {
	defer m.Close()
	if err := m.JumpAround(ctx); err != nil {
		return 0, err
	}
	return m.EnergyLevel(ctx)
}

// shutdown closes the counter's channels.
func (c *counter) shutdown() {
	c.tx.Close()
	c.rx.Close()
}

// Msg carries a client.
type Msg[C any] struct {
	C C `json:"c"`
}

// far sends c over a fresh connection per hop and returns it as it arrives.
func far[C any](t *testing.T, e rchtest.Env, c C, hops int) C {
	t.Helper()
	ctx := rchtest.Ctx(t)
	for range hops {
		a, b := rchtest.Connect[Msg[C], Msg[C]](t, e, nil, nil)
		if err := a.Send(ctx, Msg[C]{C: c}); err != nil {
			t.Fatal(err)
		}
		m, err := b.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c = m.C
	}
	return c
}

// waitDone fails the test unless done is closed before ctx ends.
func waitDone(t *testing.T, ctx context.Context, done <-chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("serving never stopped")
	}
}
