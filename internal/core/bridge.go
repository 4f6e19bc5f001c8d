package core

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"time"

	"github.com/telechan/telechan/internal/wire"
	"github.com/telechan/telechan/mux"
)

// A bridge joins a queue to a stream. pumpIn stands, on this side, for a
// sending half that lives on the peer: it reads frames and pushes items.
// pumpOut stands for a receiving half that lives on the peer: it pops items
// and writes frames, while watch reads what the peer says back.

// Extra error codes used on the wire for item-level failures.
const (
	codeTooLarge wire.ErrorCode = 3
	codeDecode   wire.ErrorCode = 4
)

// codeOf picks the wire code for err.
func codeOf(err error) wire.ErrorCode {
	switch {
	case errors.Is(err, ErrDisconnected):
		return wire.CodeDisconnected
	case errors.Is(err, ErrDropped), errors.Is(err, ErrClosed):
		return wire.CodeDropped
	case errors.Is(err, ErrTooLarge):
		return codeTooLarge
	case errors.Is(err, ErrDecode):
		return codeDecode
	}
	return wire.CodeOther
}

// errOf turns an Error frame back into an error.
func errOf(code wire.ErrorCode, msg string) error {
	var base error
	switch code {
	case wire.CodeDisconnected:
		base = ErrDisconnected
	case wire.CodeDropped:
		base = ErrDropped
	case codeTooLarge:
		base = ErrTooLarge
	case codeDecode:
		base = ErrDecode
	default:
		return fmt.Errorf("rch: peer reported: %s", msg)
	}
	return fmt.Errorf("%w (peer: %s)", base, msg)
}

// pumpIn reads items from st into q, holding one of q's producer counts
// until the stream ends. With notify set it tells the peer, with a Close or
// Error frame, when q's consumer ends. It runs on a goroutine c owns.
func pumpIn[T any](c *Conn, st *mux.Stream, q *Queue[T], notify bool) {
	pumpInTo(c, st, q, notify)
	st.Close()
}

// pumpInTo is pumpIn without closing st at the end: the base channel keeps
// its stream open for the other direction.
func pumpInTo[T any](c *Conn, st *mux.Stream, q *Queue[T], notify bool) {
	q.SetMaxBytes(c.recvMax)
	if notify {
		cancel := q.onClose(func(reason error) {
			c.goroutine(func() { writeReason(st, reason) })
		})
		defer cancel()
	}
	err := readItems(c, st, q)
	if err != nil {
		q.doneSenderErr(err)
	} else {
		q.doneSender()
	}
}

// writeReason tells the sending peer why the receiving half ended.
func writeReason(st *mux.Stream, reason error) {
	if errors.Is(reason, ErrClosed) {
		wire.WriteFrame(st, wire.Close, nil)
		return
	}
	wire.WriteFrame(st, wire.Error, wire.ErrorPayload(codeOf(reason), reason.Error()))
}

// readItems is pumpIn's loop. It returns nil after an End frame, and
// otherwise why the sending side ended.
func readItems[T any](c *Conn, st *mux.Stream, q *Queue[T]) error {
	holds := mayHold(reflect.TypeFor[T]())
	var received uint64
	return readFrames(c, st, senderFrames{
		item: func(raw []byte) error {
			if q.verbatim { // acknowledge on arrival, before buffering: see pacer
				received += uint64(len(raw))
				st.Write(wire.AckFrame(received))
			}
			err := q.push(c.ctx, entry[T]{raw: raw, conn: c, verbatim: q.verbatim})
			switch {
			case err == nil:
			case c.ctx.Err() != nil:
				// The connection is going: the item is lost, so the
				// stream must not end cleanly even if End is buffered.
				return c.lost()
			case holds && !q.verbatim:
				c.rejectRaw(raw, "receiver closed")
			}
			return nil
		},
		tooLarge: func(n uint32) {
			q.pushErr(fmt.Errorf("%w: %d bytes received, limit %d", ErrTooLarge, n, c.recvMax))
		},
	})
}

// pumpOut writes the items of q to st, as the consumer of q. With watch
// set, a second goroutine reads the peer's Close and Error frames. It runs
// on a goroutine c owns.
func pumpOut[T any](c *Conn, st *mux.Stream, q *Queue[T], watch bool) {
	var p *pacer
	if q.verbatim && watch {
		p = newPacer()
	}
	if watch && !c.goroutine(func() { watchPeer(c, st, q, p) }) {
		q.closeRecv(c.lost())
		st.Close()
		return
	}
	err := writeItems(c, st, q, p)
	switch {
	case err == nil:
		wire.WriteFrame(st, wire.End, nil)
	case errors.Is(err, errPeerEnded):
	case c.ctx.Err() != nil:
		q.closeRecv(c.lost())
	default:
		q.closeRecv(err)
		wire.WriteFrame(st, wire.Error, wire.ErrorPayload(codeOf(err), err.Error()))
	}
	st.Close()
}

// errPeerEnded ends writeItems when the receiving peer has ended the
// channel: nothing more is to be written.
var errPeerEnded = errors.New("rch: receiving peer ended")

// writeItems is pumpOut's loop. It returns nil once every producer closed
// cleanly, errPeerEnded once the peer ended the channel, and otherwise the
// error to pass on.
func writeItems[T any](c *Conn, st *mux.Stream, q *Queue[T], p *pacer) error {
	var ended <-chan struct{}
	if p != nil {
		ch := make(chan struct{})
		defer q.onClose(func(error) { close(ch) })()
		ended = ch
	}
	for {
		e, err := q.pop(c.ctx)
		switch {
		case err == io.EOF:
			return nil
		case c.ctx.Err() != nil:
			return c.lost()
		case q.isClosed():
			return errPeerEnded
		case err != nil:
			return err // a producer was lost: pass it on
		case e.err != nil:
			c.log.Debug("rch: item error not forwarded", "err", e.err)
			continue
		}
		if q.verbatim {
			if err := writeVerbatim(c, st, e, p, ended); err != nil {
				q.closeRecv(c.classify(err))
				return errPeerEnded
			}
			continue
		}
		raw, b, err := outgoing(c, e)
		if err != nil {
			c.log.Warn("rch: dropping an item that cannot be sent", "err", err)
			continue
		}
		b.commit()
		if err := wire.WriteFrame(st, wire.Item, raw); err != nil {
			err = c.classify(err)
			b.cancel(err)
			q.closeRecv(err)
			return errPeerEnded
		}
	}
}

// writeVerbatim writes a byte item as it is, in frames no larger than the
// peer accepts, each waiting for the pacer when there is one.
func writeVerbatim[T any](c *Conn, st *mux.Stream, e entry[T], p *pacer, ended <-chan struct{}) error {
	data := e.raw
	if data == nil {
		data = any(e.v).([]byte)
	}
	size := c.sendMax
	if p != nil {
		size = min(size, pacerMSS)
	}
	for len(data) > 0 {
		n := min(len(data), size)
		var off uint64
		if p != nil {
			if err := p.wait(c.ctx, n, ended); err != nil {
				return err
			}
			// Count the bytes before writing: the ack may come back
			// before the write returns.
			off = p.wrote(n, time.Now())
		}
		if err := wire.WriteFrame(st, wire.Item, data[:n]); err != nil {
			return err
		}
		if p != nil {
			p.stamp(off, time.Now())
		}
		data = data[n:]
	}
	return nil
}

// outgoing returns the bytes to write for e on c, encoding or re-encoding
// it when needed. The batch, if any, must be committed before the write.
func outgoing[T any](c *Conn, e entry[T]) ([]byte, *batch, error) {
	switch {
	case e.raw == nil:
		return c.encode(e.v)
	case e.out && e.conn == c:
		return e.raw, nil, nil
	case !e.out && e.conn.codec.Name() == c.codec.Name() && !mayHold(reflect.TypeFor[T]()):
		if len(e.raw) > c.sendMax {
			return nil, nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(e.raw), c.sendMax)
		}
		return e.raw, nil, nil
	case e.out:
		return nil, nil, errors.New("rch: item encoded for another connection")
	}
	var v T
	if err := e.conn.decode(c.ctx, e.raw, &v); err != nil {
		return nil, nil, err
	}
	return c.encode(v)
}

// watchPeer reads the frames a receiving peer sends back and ends q's
// consumer side accordingly.
func watchPeer[T any](c *Conn, st *mux.Stream, q *Queue[T], p *pacer) {
	for {
		t, n, err := wire.ReadHeader(st)
		if err != nil {
			q.closeRecv(c.classify(err))
			return
		}
		switch t {
		case wire.Ack:
			if p == nil || n != wire.AckSize {
				q.closeRecv(fmt.Errorf("%w: unexpected ack frame", ErrDropped))
				return
			}
			var b [wire.AckSize]byte
			if _, err := io.ReadFull(st, b[:]); err != nil {
				q.closeRecv(c.classify(err))
				return
			}
			total, _ := wire.ParseAck(b[:])
			p.ack(total, time.Now())
		case wire.Close:
			q.closeRecv(ErrClosed)
		case wire.Error:
			e, err := readError(st, n)
			if err != nil {
				q.closeRecv(c.classify(err))
				return
			}
			q.closeRecv(e)
		default:
			q.closeRecv(fmt.Errorf("%w: %s frame from a receiver", ErrDropped, t))
			return
		}
	}
}
