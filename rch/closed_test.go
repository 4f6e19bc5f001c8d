package rch_test

import (
	"errors"
	"testing"
	"time"

	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/bin"
	"github.com/telechan/telechan/rch/broadcast"
	"github.com/telechan/telechan/rch/mpsc"
	"github.com/telechan/telechan/rch/oneshot"
	"github.com/telechan/telechan/rch/watch"
)

// Receivers of every kind, to send to a peer.
type receivers struct {
	M *mpsc.Receiver[int]      `json:"m"`
	O *oneshot.Receiver[int]   `json:"o"`
	W *watch.Receiver[int]     `json:"w"`
	B *broadcast.Receiver[int] `json:"b"`
	R *bin.Reader              `json:"r"`
}

// closer is what every sending half offers to wait for its peer to go.
type closer interface {
	Closed() <-chan struct{}
	Err() error
}

// TestSenderClosed: every sending half has Closed, closed once its
// receiver is gone, here or on a peer, by Close or by a lost connection;
// Err says why.
func TestSenderClosed(t *testing.T) {
	each(t, func(t *testing.T, e env) {
		for _, how := range []string{"closed", "connection lost"} {
			t.Run(how, func(t *testing.T) {
				ctx := testCtx(t)
				a, b := connect[receivers, receivers](t, e, nil, nil)
				mt, mr := mpsc.New[int](1)
				ot, or := oneshot.New[int]()
				wt, wr := watch.New(0)
				bt, br := broadcast.New[int](4)
				rw, rr := bin.New()
				senders := map[string]closer{"mpsc": mt, "oneshot": ot, "watch": wt, "broadcast": bt, "bin": rw}
				for name, s := range senders {
					select {
					case <-s.Closed():
						t.Fatalf("%s: Closed before its receiver went", name)
					default:
					}
				}
				if err := a.Send(ctx, receivers{mr, or, wr, br, rr}); err != nil {
					t.Fatal(err)
				}
				got, err := b.Recv(ctx)
				if err != nil {
					t.Fatal(err)
				}
				want := rch.ErrClosed
				if how == "closed" {
					got.M.Close()
					got.O.Close()
					got.W.Close()
					got.B.Close()
					got.R.Close()
				} else {
					b.Close()
					want = rch.ErrDisconnected
				}
				for name, s := range senders {
					select {
					case <-s.Closed():
					case <-time.After(5 * time.Second):
						t.Fatalf("%s: Closed not closed after the receiver %s", name, how)
					}
					if err := s.Err(); !errors.Is(err, want) {
						t.Errorf("%s: Err = %v, want %v", name, err, want)
					}
				}
			})
		}
	})
}
