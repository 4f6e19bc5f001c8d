package bench

import (
	"context"

	"github.com/telechan/telechan/internal/test/linkemu"
	"github.com/telechan/telechan/rch/bin"
	"github.com/telechan/telechan/rch/mpsc"
)

// Control is what the client sends at the start of a head-of-line run:
// the bulk channel's Reader, and a ping/pong channel pair of its own.
type Control struct {
	Bulk *bin.Reader         `json:"bulk"`
	Ping *mpsc.Receiver[int] `json:"ping"`
	Pong *mpsc.Sender[int]   `json:"pong"`
}

// telechanHOL is telechan's head-of-line case: a bin channel (default
// size) saturates the connection client→server; a ping goes out on one
// mpsc channel and comes back on another, both of the same connection.
func telechanHOL(ctx context.Context, p linkemu.Profile) (holSetup, error) {
	tp, err := dialTelechan(ctx, p)
	if err != nil {
		return holSetup{}, err
	}
	cb, sb, err := bases[Control, struct{}](ctx, tp)
	if err != nil {
		tp.close()
		return holSetup{}, err
	}
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	echoed := make(chan struct{})
	closeAll := func() { cancel(); cb.Close(); sb.Close(); tp.close(); <-echoed }

	w, r := bin.New()
	pingTx, pingRx := mpsc.New[int](1)
	pongTx, pongRx := mpsc.New[int](1)
	err = cb.Send(lctx, Control{Bulk: r, Ping: pingRx, Pong: pongTx})
	var c Control
	if err == nil {
		c, err = sb.Recv(lctx)
	}
	if err != nil {
		close(echoed)
		closeAll()
		return holSetup{}, err
	}
	go func() { // the server answers pings until the connection ends
		defer close(echoed)
		for v, err := range c.Ping.All(lctx) {
			if err != nil || c.Pong.Send(lctx, v) != nil {
				return
			}
		}
	}()
	buf := make([]byte, msgSize)
	seq := 0
	return holSetup{
		bulk: pipe{
			write: func(p []byte) error { _, err := w.WriteContext(lctx, p); return err },
			read:  func() (int, error) { return c.Bulk.Read(buf) },
			close: closeAll,
		},
		ping: func(ctx context.Context) error {
			seq++
			if err := pingTx.Send(ctx, seq); err != nil {
				return err
			}
			_, err := pongRx.Recv(ctx)
			return err
		},
	}, nil
}
