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
	if !c.goroutine(func() { pumpOut(c, st, out, false) }) {
		out.closeRecv(c.lost())
	}
	if !c.goroutine(func() { pumpInTo(c, st, in, false) }) {
		in.doneSenderErr(c.lost())
	}
}
