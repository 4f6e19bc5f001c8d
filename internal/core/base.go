package core

import "github.com/telechan/telechan/mux"

// BaseCap is the capacity of each direction of the base channel.
const BaseCap = 16

// InitBase makes tx and rx the two directions of the base channel on st,
// the stream the handshake ran on, and starts their bridges.
func InitBase[Out, In any](c *Conn, st *mux.Stream, tx *Tx[Out], rx *Rx[In]) {
	out := NewQueue[Out](BaseCap)
	out.setRemote(c)
	tx.init(out, "")
	in := NewQueue[In](BaseCap)
	rx.init(in, "")
	w := pumpOut(c, st, out, false)
	// The base channel's writer has no reader of its own on the stream:
	// the incoming direction's reader tells it when the connection is gone,
	// and hands it the peer's Failed notices.
	pumpInThen(c, st, in, false, func(err error) {
		if c.sess.Err() != nil || c.ctx.Err() != nil {
			out.closeRecv(c.lost())
		}
	}, w.failed)
}
