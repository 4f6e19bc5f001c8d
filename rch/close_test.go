package rch_test

import (
	"errors"
	"testing"

	"go.uber.org/goleak"

	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/mpsc"
)

// TestCloseEndsEverything: with calls blocked on both sides, closing the
// connection makes each return ErrDisconnected, and no goroutine is left.
func TestCloseEndsEverything(t *testing.T) {
	each(t, func(t *testing.T, e env) {
		ctx := testCtx(t)
		cs, ss := e.Pair(t, nil)
		client, server := handshake[Halves, Halves, Halves, Halves](t, e, cs, ss, nil, nil)

		full, _ := mpsc.New[int](1)    // its receiver goes to the server, which never reads
		_, waiting := mpsc.New[int](1) // nobody will ever send on it
		txS, rxS := mpsc.New[int](1)   // the server gets the sender and never sends
		client.Send(ctx, Halves{Rx: nil, Tx: txS})
		tx2, rx2 := mpsc.New[int](1)
		client.Send(ctx, Halves{Rx: rx2})
		atServer, _ := server.Recv(ctx)
		atServer2, _ := server.Recv(ctx)
		_, _, _ = full, waiting, atServer2

		errs := make(chan error, 3)
		go func() { // fills the remote channel, then blocks
			for {
				if err := tx2.Send(ctx, 1); err != nil {
					errs <- err
					return
				}
			}
		}()
		go func() {
			_, err := rxS.Recv(ctx)
			errs <- err
		}()
		go func() {
			_, err := client.Recv(ctx)
			errs <- err
		}()
		client.Close()
		for range 3 {
			if err := <-errs; !errors.Is(err, rch.ErrDisconnected) {
				t.Errorf("blocked call returned %v, want ErrDisconnected", err)
			}
		}
		if err := client.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		server.Close()
		atServer.Tx.Close()
		cs.Close()
		ss.Close()
		goleak.VerifyNone(t, goleak.IgnoreAnyFunction("net/http/httptest.(*Server).goServe.func1"))
	})
}
