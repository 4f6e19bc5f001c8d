package core

import (
	"fmt"
	"io"

	"github.com/telechan/telechan/internal/wire"
	"github.com/telechan/telechan/mux"
)

// senderFrames says what to do with the frames a sending half writes; see
// readFrames.
type senderFrames struct {
	// item takes the payload of an Item within the size limit; an error
	// ends the stream with it.
	item func(raw []byte) error
	// tooLarge is told of an Item over the limit, already skipped.
	tooLarge func(n uint32)
	// notice, if set, may take an Error frame that is not final (handled
	// true); an error it returns ends the stream.
	notice func(code wire.ErrorCode, msg string) (handled bool, err error)
}

// readFrames reads what a sending half writes on st: Items (each handed to
// h.item, or skipped and reported to h.tooLarge when over the limit) until
// End, when it returns nil, or until the sending half ended otherwise, when
// it returns why: a final Error frame, a protocol violation, or the stream
// or connection ending first.
func readFrames(c *Conn, st *mux.Stream, h senderFrames) error {
	for {
		t, n, err := wire.ReadHeader(st)
		if err != nil {
			return c.classify(err)
		}
		switch t {
		case wire.End:
			return nil
		case wire.Error:
			code, msg, err := readErrorFrame(st, n)
			if err != nil {
				return c.classify(err)
			}
			if h.notice != nil {
				if handled, err := h.notice(code, msg); handled {
					if err != nil {
						return err
					}
					continue
				}
			}
			return errOf(code, msg)
		case wire.Item:
		default:
			return fmt.Errorf("%w: %s frame from a sender", ErrDropped, t)
		}
		if int64(n) > int64(c.recvMax) {
			if _, err := io.CopyN(io.Discard, st, int64(n)); err != nil {
				return c.classify(err)
			}
			h.tooLarge(n)
			continue
		}
		raw := make([]byte, n)
		if _, err := io.ReadFull(st, raw); err != nil {
			return c.classify(err)
		}
		if err := h.item(raw); err != nil {
			return err
		}
	}
}

// readErrorFrame reads the payload of an Error frame of n bytes.
func readErrorFrame(st io.Reader, n uint32) (wire.ErrorCode, string, error) {
	if n == 0 || n > 1+wire.MaxErrorMessage {
		return 0, "", fmt.Errorf("%w: error payload of %d bytes", wire.ErrFrame, n)
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(st, p); err != nil {
		return 0, "", err
	}
	return wire.ParseError(p)
}

// readError reads the payload of an Error frame of n bytes as an error.
func readError(st io.Reader, n uint32) (error, error) {
	code, msg, err := readErrorFrame(st, n)
	if err != nil {
		return nil, err
	}
	return errOf(code, msg), nil
}
