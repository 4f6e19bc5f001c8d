package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
)

// FrameType says what a frame on a channel stream means.
type FrameType byte

// The frame types. Items, End and upstream Errors flow from the sending half
// to the receiving half; Close and downstream Errors flow back.
const (
	// Item carries one encoded value.
	Item FrameType = 0x01
	// End says the sending half was closed cleanly: no frame follows.
	End FrameType = 0x02
	// Close says the receiving half was closed: the sender must stop.
	Close FrameType = 0x03
	// Error says the other side failed; its payload is an ErrorCode byte
	// followed by a UTF-8 message.
	Error FrameType = 0x04
	// Ack, from the receiving half of a byte stream, carries the total
	// payload bytes received so far as a big-endian uint64: the sender paces
	// itself by it.
	Ack FrameType = 0x05
	// Lost, from the sending half, says that an item was lost on its way
	// (a forwarding hop could not pass it on); its payload is that of an
	// Error frame. It is not final: items follow.
	Lost FrameType = 0x06
	// Failed, from the receiving half, says that an item the sending half
	// wrote could not be delivered; its payload is the item's number on
	// the stream (a big-endian uint64, 1 for the first Item frame), then
	// that of an Error frame. It is not final.
	Failed FrameType = 0x07
)

// AckSize is the payload size of an Ack frame.
const AckSize = 8

// ErrorCode classifies an Error frame.
type ErrorCode byte

// The error codes.
const (
	// CodeOther is a failure with no better code.
	CodeOther ErrorCode = 0
	// CodeDisconnected says a connection further along the chain was lost.
	CodeDisconnected ErrorCode = 1
	// CodeDropped says the half was dropped without being closed: its
	// message could not be decoded, or it was discarded unread.
	CodeDropped ErrorCode = 2
)

// FrameHeaderSize is the size of a frame header: type, then a big-endian
// uint32 payload length.
const FrameHeaderSize = 5

// MaxErrorMessage bounds the message of an Error frame.
const MaxErrorMessage = 1024

// ErrFrame reports a malformed frame.
var ErrFrame = errors.New("wire: malformed frame")

func (t FrameType) String() string {
	switch t {
	case Item:
		return "item"
	case End:
		return "end"
	case Close:
		return "close"
	case Error:
		return "error"
	case Ack:
		return "ack"
	case Lost:
		return "lost"
	case Failed:
		return "failed"
	}
	return fmt.Sprintf("frame(0x%02x)", byte(t))
}

// Valid reports whether t is a known frame type.
func (t FrameType) Valid() bool { return t >= Item && t <= Failed }

// AckFrame returns a whole Ack frame for total bytes received.
func AckFrame(total uint64) []byte {
	b := AppendHeader(make([]byte, 0, FrameHeaderSize+AckSize), Ack, AckSize)
	return binary.BigEndian.AppendUint64(b, total)
}

// ParseAck reads the payload of an Ack frame.
func ParseAck(p []byte) (uint64, error) {
	if len(p) != AckSize {
		return 0, fmt.Errorf("%w: ack payload of %d bytes", ErrFrame, len(p))
	}
	return binary.BigEndian.Uint64(p), nil
}

// AppendHeader appends a frame header to b.
func AppendHeader(b []byte, t FrameType, n int) []byte {
	b = append(b, byte(t))
	return binary.BigEndian.AppendUint32(b, uint32(n))
}

// ReadHeader reads a frame header. It returns io.EOF only when the stream
// ended cleanly before the first byte, and io.ErrUnexpectedEOF when it ended
// inside the header.
func ReadHeader(r io.Reader) (FrameType, uint32, error) {
	h := headerPool.Get().(*[FrameHeaderSize]byte) // a local one would escape into r.Read
	defer headerPool.Put(h)
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, 0, err
	}
	t := FrameType(h[0])
	if !t.Valid() {
		return 0, 0, fmt.Errorf("%w: unknown type 0x%02x", ErrFrame, h[0])
	}
	return t, binary.BigEndian.Uint32(h[1:]), nil
}

// headerPool holds the buffers ReadHeader reads into.
var headerPool = sync.Pool{New: func() any { return new([FrameHeaderSize]byte) }}

// ErrorPayload builds the payload of an Error frame; a long message is cut.
func ErrorPayload(code ErrorCode, msg string) []byte {
	if len(msg) > MaxErrorMessage {
		msg = msg[:MaxErrorMessage]
	}
	return append([]byte{byte(code)}, msg...)
}

// FailedPayload builds the payload of a Failed frame for item number seq.
func FailedPayload(seq uint64, code ErrorCode, msg string) []byte {
	return append(binary.BigEndian.AppendUint64(nil, seq), ErrorPayload(code, msg)...)
}

// ParseFailed splits the payload of a Failed frame.
func ParseFailed(p []byte) (seq uint64, code ErrorCode, msg string, err error) {
	if len(p) < 9 {
		return 0, 0, "", fmt.Errorf("%w: failed payload of %d bytes", ErrFrame, len(p))
	}
	code, msg, err = ParseError(p[8:])
	return binary.BigEndian.Uint64(p), code, msg, err
}

// ParseError splits the payload of an Error frame.
func ParseError(p []byte) (ErrorCode, string, error) {
	if len(p) == 0 || len(p) > 1+MaxErrorMessage {
		return 0, "", fmt.Errorf("%w: error payload of %d bytes", ErrFrame, len(p))
	}
	return ErrorCode(p[0]), string(p[1:]), nil
}

// smallFrame is the payload size up to which WriteFrame copies header and
// payload into one buffer, so that a small frame leaves in one write.
const smallFrame = 64 << 10

// WriteFrame writes one frame. Small frames go out in a single Write.
func WriteFrame(w io.Writer, t FrameType, payload []byte) error {
	if len(payload) <= smallFrame {
		buf := make([]byte, 0, FrameHeaderSize+len(payload))
		buf = AppendHeader(buf, t, len(payload))
		_, err := w.Write(append(buf, payload...))
		return err
	}
	var h [FrameHeaderSize]byte
	if _, err := w.Write(AppendHeader(h[:0], t, len(payload))); err != nil {
		return err
	}
	_, err := w.Write(payload)
	return err
}
