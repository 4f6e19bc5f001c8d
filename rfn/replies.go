package rfn

import (
	"context"

	"github.com/telechan/telechan/internal/core"
)

// The channel replies come back on: an mpsc channel on the wire
// ("mpsc.Sender" inside the hello, section 5.3 of PROTOCOL.md), built on
// the core halves directly so that both ends can follow each reply: the
// server learns when a reply it sent could not be delivered (it answers
// with an error in its place), and the holder reads what it can of a
// reply it cannot decode (its call number) instead of waiting for it.

// replySender is the sending half, which the holder puts in its hello.
type replySender[R any] struct {
	handle
	tx core.Tx[reply[R]]
}

// newReplies returns both halves of a reply channel.
func newReplies[R any]() (*replySender[R], *core.Rx[reply[R]]) {
	s, rx := new(replySender[R]), new(core.Rx[reply[R]])
	core.InitPair(&s.tx, rx, requestCap, "mpsc.Sender", "mpsc.Receiver")
	s.handle = core.HandleOf(&s.tx.Port)
	rx.Quiet()
	return s, rx
}

// send sends rep; lost is told if it cannot be delivered once queued.
func (s *replySender[R]) send(ctx context.Context, rep reply[R], lost func(error)) error {
	return s.tx.SendOr(ctx, rep, lost)
}

func (s *replySender[R]) Close() error { return s.tx.Close() }

// UnmarshalJSON reads the half's reference; the connection that decodes
// the message then binds it.
func (s *replySender[R]) UnmarshalJSON(b []byte) error {
	s.handle = core.HandleOf(&s.tx.Port)
	return s.tx.DecodeJSON(b, "mpsc.Sender")
}

// UnmarshalCBOR reads the half's reference; the connection that decodes
// the message then binds it.
func (s *replySender[R]) UnmarshalCBOR(b []byte) error {
	s.handle = core.HandleOf(&s.tx.Port)
	return s.tx.DecodeCBOR(b, "mpsc.Sender")
}

// header is what can be read of a request or a reply whose argument or
// result cannot be decoded.
type header struct {
	Op     string `json:"op,omitempty"`
	Holder uint64 `json:"holder,omitempty"`
	Call   uint64 `json:"call,omitempty"`
}
