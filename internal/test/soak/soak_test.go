package soak_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/bin"
	"github.com/telechan/telechan/rch/broadcast"
	"github.com/telechan/telechan/rch/mpsc"
	"github.com/telechan/telechan/rch/watch"
)

// Item is one mpsc message: its sequence number and a payload whose size
// varies.
type Item struct {
	Seq  int    `json:"seq"`
	Data []byte `json:"data"`
}

// Work is one channel the client opens to the server: the receiving half
// of one kind, how many messages will come, and where the server is to
// close the receiver early (-1: never).
type Work struct {
	N          int                      `json:"n"`
	CloseAfter int                      `json:"close_after"`
	Mpsc       *mpsc.Receiver[Item]     `json:"mpsc,omitempty"`
	Watch      *watch.Receiver[int]     `json:"watch,omitempty"`
	Bcast      *broadcast.Receiver[int] `json:"bcast,omitempty"`
	Bin        *bin.Reader              `json:"bin,omitempty"`
}

// tally counts what the soak moved.
type tally struct {
	conns, chans, msgs, bytes, lagged, closedEarly atomic.Int64
}

func soakDuration() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("TELECHAN_SOAK")); err == nil && d > 0 {
		return d
	}
	return 2 * time.Second
}

// TestSoak runs rounds of connections until the time is up. In each round
// every connection opens channels of every kind, sends messages of mixed
// sizes and closes; the server checks that each mpsc channel delivered
// every message exactly once and in order (or a prefix, for a receiver it
// closed early, after which the sender saw ErrClosed), each watch ended on
// the final value with values never going back, each broadcast came in
// order with every gap announced by a LagError, and each byte stream
// arrived whole. At the end no goroutine is left.
func TestSoak(t *testing.T) {
	start, before := time.Now(), runtime.NumGoroutine()
	var tl tally
	errs := make(chan error, 1024)
	var handlers sync.WaitGroup
	srv := httptest.NewServer(mux.Handler(func(ctx context.Context, s *mux.Session) {
		handlers.Add(1)
		defer handlers.Done()
		serve(ctx, s, &tl, errs)
	}, nil))
	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	deadline := start.Add(soakDuration())
	const conns, chans = 6, 8
	for round := 0; time.Now().Before(deadline); round++ {
		var wg sync.WaitGroup
		for c := range conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := client(url, rand.New(rand.NewPCG(uint64(round), uint64(c))), chans, &tl); err != nil {
					errs <- fmt.Errorf("round %d conn %d: %w", round, c, err)
				}
			}()
		}
		wg.Wait()
		if failed(t, errs) {
			break
		}
	}
	srv.Close()
	handlers.Wait()
	failed(t, errs)
	t.Logf("soak: %v, %d connections, %d channels, %d messages, %d MiB; %d receivers closed early, %d values reported lagged",
		time.Since(start).Round(time.Millisecond), tl.conns.Load(), tl.chans.Load(), tl.msgs.Load(), tl.bytes.Load()>>20, tl.closedEarly.Load(), tl.lagged.Load())
	goleak.VerifyNone(t)
	t.Logf("goroutines: %d before, %d after", before, runtime.NumGoroutine())
}

func failed(t *testing.T, errs chan error) bool {
	for {
		select {
		case err := <-errs:
			t.Error(err)
		default:
			return t.Failed()
		}
	}
}

// client makes one connection and opens chans channels on it, of every
// kind in turn, sending on all of them at once.
func client(url string, rng *rand.Rand, chans int, tl *tally) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sess, err := mux.Dial(ctx, url, nil)
	if err != nil {
		return err
	}
	base, err := rch.Connect[Work, struct{}](ctx, sess, nil)
	if err != nil {
		return err
	}
	defer base.Close()
	tl.conns.Add(1)
	var wg sync.WaitGroup
	errs := make(chan error, chans)
	for i := range chans {
		n := 20 + rng.IntN(200)
		closeAfter := -1
		if rng.IntN(4) == 0 {
			closeAfter = rng.IntN(n)
		}
		w, send := work(i%4, n, closeAfter, rng.Uint64())
		if err := base.Send(ctx, w); err != nil {
			return err
		}
		tl.chans.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := send(ctx); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	base.CloseSend()
	_, err = base.Recv(ctx) // the server hangs up once every check is done
	if !errors.Is(err, rch.ErrDisconnected) && !errors.Is(err, io.EOF) {
		return fmt.Errorf("waiting for the server: %w", err)
	}
	return nil
}

// work makes a channel of kind k and returns the Work to send and the
// function that sends its n messages.
func work(k, n, closeAfter int, seed uint64) (Work, func(context.Context) error) {
	w := Work{N: n, CloseAfter: closeAfter}
	switch k {
	case 0:
		tx, rx := mpsc.New[Item](1 + int(seed%16))
		w.Mpsc = rx
		return w, func(ctx context.Context) error {
			defer tx.Close()
			rng := rand.New(rand.NewPCG(seed, 1))
			for i := range n {
				err := tx.Send(ctx, Item{Seq: i, Data: make([]byte, rng.IntN(4096))})
				if errors.Is(err, rch.ErrClosed) && closeAfter >= 0 {
					return nil
				}
				if err != nil {
					return fmt.Errorf("mpsc Send %d: %w", i, err)
				}
			}
			return nil
		}
	case 1:
		w.CloseAfter = -1
		tx, rx := watch.New(0)
		w.Watch = rx
		return w, func(ctx context.Context) error {
			defer tx.Close()
			for i := 1; i <= n; i++ {
				if err := tx.Send(i); err != nil {
					return fmt.Errorf("watch Send %d: %w", i, err)
				}
			}
			return nil
		}
	case 2:
		w.CloseAfter = -1
		tx, rx := broadcast.New[int](4)
		w.Bcast = rx
		return w, func(ctx context.Context) error {
			defer tx.Close()
			for i := range n {
				if err := tx.Send(i); err != nil {
					return fmt.Errorf("broadcast Send %d: %w", i, err)
				}
			}
			return nil
		}
	}
	w.CloseAfter = -1
	bw, br := bin.New()
	w.Bin = br
	return w, func(ctx context.Context) error {
		if _, err := bw.WriteContext(ctx, payload(n)); err != nil {
			bw.Close()
			return fmt.Errorf("bin Write: %w", err)
		}
		return bw.Close()
	}
}

// payload is the byte stream of a bin channel of n "messages": n KiB.
func payload(n int) []byte {
	return bytes.Repeat([]byte(fmt.Sprintf("%07d\n", n)), n*128)
}

// serve takes every Work of one connection and checks it.
func serve(ctx context.Context, s *mux.Session, tl *tally, errs chan<- error) {
	base, err := rch.Connect[struct{}, Work](ctx, s, nil)
	if err != nil {
		errs <- err
		return
	}
	defer base.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		w, err := base.Recv(ctx)
		if errors.Is(err, io.EOF) {
			wg.Wait()
			return // base.Close hangs up: the client learns all is checked
		}
		if err != nil {
			errs <- fmt.Errorf("server Recv: %w", err)
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := check(ctx, w, tl); err != nil {
				errs <- err
			}
		}()
	}
}

func check(ctx context.Context, w Work, tl *tally) error {
	switch {
	case w.Mpsc != nil:
		return checkMpsc(ctx, w, tl)
	case w.Watch != nil:
		return checkWatch(ctx, w, tl)
	case w.Bcast != nil:
		return checkBcast(ctx, w, tl)
	case w.Bin != nil:
		got, err := io.ReadAll(w.Bin)
		if err != nil || !bytes.Equal(got, payload(w.N)) {
			return fmt.Errorf("bin: %d of %d bytes, %v", len(got), len(payload(w.N)), err)
		}
		tl.bytes.Add(int64(len(got)))
		tl.msgs.Add(1)
		return nil
	}
	return errors.New("empty work")
}

func checkMpsc(ctx context.Context, w Work, tl *tally) error {
	defer w.Mpsc.Close()
	for i := 0; ; i++ {
		if i == w.CloseAfter {
			tl.closedEarly.Add(1)
			return nil
		}
		v, err := w.Mpsc.Recv(ctx)
		if errors.Is(err, io.EOF) {
			if i != w.N {
				return fmt.Errorf("mpsc ended cleanly after %d of %d", i, w.N)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("mpsc Recv %d: %w", i, err)
		}
		if v.Seq != i {
			return fmt.Errorf("mpsc: got %d, want %d", v.Seq, i)
		}
		tl.msgs.Add(1)
		tl.bytes.Add(int64(len(v.Data)))
	}
}

func checkWatch(ctx context.Context, w Work, tl *tally) error {
	last := -1
	for {
		v, err := w.Watch.Recv(ctx)
		if errors.Is(err, io.EOF) {
			if last != w.N {
				return fmt.Errorf("watch ended at %d, want the final %d", last, w.N)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("watch Recv: %w", err)
		}
		if v < last {
			return fmt.Errorf("watch went back from %d to %d", last, v)
		}
		last = v
		tl.msgs.Add(1)
	}
}

func checkBcast(ctx context.Context, w Work, tl *tally) error {
	next, missed := 0, 0
	for {
		v, err := w.Bcast.Recv(ctx)
		var lag *broadcast.LagError
		switch {
		case errors.As(err, &lag):
			missed += int(lag.Missed)
			tl.lagged.Add(int64(lag.Missed))
			continue
		case errors.Is(err, io.EOF):
			if next != w.N {
				return fmt.Errorf("broadcast ended after %d of %d", next, w.N)
			}
			return nil
		case err != nil:
			return fmt.Errorf("broadcast Recv: %w", err)
		}
		if v != next+missed {
			return fmt.Errorf("broadcast: got %d after %d with %d announced missed", v, next, missed)
		}
		next, missed = v+1, 0
		tl.msgs.Add(1)
	}
}
