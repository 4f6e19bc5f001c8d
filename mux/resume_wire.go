package mux

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// The resumption layer's wire (docs/PROTOCOL.md, section 1.3). It runs on
// a WebSocket whose subprotocol is resumeProtocol, between the WebSocket's
// bytes and yamux's. The first bytes each way on every WebSocket are a
// handshake; then both sides write frames:
//
//	0x01 Data  len(4) payload   the next len bytes of the session's stream
//	0x02 Ack   received(8)      every byte of the peer's stream up to here arrived
//	0x03 Bye                    the peer closed the session: do not wait for a resume
//
// A Data frame's position in the stream is implicit: the bytes follow
// those of the previous Data frame. After a resume both sides start again
// from the count the other side gave in its handshake.

// resumeProtocol is the WebSocket subprotocol that turns the layer on.
const resumeProtocol = "telechan.resume.v1"

// Frame types of the layer.
const (
	rsmData = 0x01
	rsmAck  = 0x02
	rsmBye  = 0x03
)

// rsmMagic opens both handshake messages.
const rsmMagic = "TRSM"

// tokenSize is the size of a resume token: 256 random bits.
const tokenSize = 32

// token proves a session: whoever has it may resume it (once: a resume
// hands out the next one).
type token [tokenSize]byte

func newToken() token {
	var t token
	rand.Read(t[:]) // crypto/rand.Read never fails
	return t
}

// Status codes of the server's handshake.
const (
	rsmNew     = 0 // a new session; its token follows
	rsmResumed = 1 // the session was resumed; the next token follows
	rsmRefused = 2 // no resume: a reason follows
	rsmBusy    = 3 // not now (too many attempts): a reason follows; try again
)

// clientHello is the client's handshake: a zero token asks for a new
// session; otherwise it names the session to resume, and received is how
// much of the server's stream the client has.
type clientHello struct {
	tok      token
	received uint64
}

// helloSize is the size of a client hello: magic, version, token, count.
const helloSize = len(rsmMagic) + 1 + tokenSize + 8

func (h clientHello) append(b []byte) []byte {
	b = append(b, rsmMagic...)
	b = append(b, 1)
	b = append(b, h.tok[:]...)
	return binary.BigEndian.AppendUint64(b, h.received)
}

// errResumeWire reports a malformed handshake.
var errResumeWire = errors.New("mux: malformed resume handshake")

func readClientHello(r io.Reader) (clientHello, error) {
	var b [helloSize]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return clientHello{}, err
	}
	if string(b[:4]) != rsmMagic || b[4] != 1 {
		return clientHello{}, errResumeWire
	}
	var h clientHello
	copy(h.tok[:], b[5:5+tokenSize])
	h.received = binary.BigEndian.Uint64(b[5+tokenSize:])
	return h, nil
}

// serverWelcome is the server's handshake.
type serverWelcome struct {
	status   byte
	tok      token  // rsmNew, rsmResumed: the token for the next resume
	received uint64 // rsmResumed: how much of the client's stream arrived
	reason   string // rsmRefused
}

// maxReason bounds the reason of a refusal.
const maxReason = 256

func (w serverWelcome) append(b []byte) []byte {
	b = append(b, rsmMagic...)
	b = append(b, 1, w.status)
	if w.status == rsmRefused || w.status == rsmBusy {
		r := w.reason
		if len(r) > maxReason {
			r = r[:maxReason]
		}
		b = append(b, byte(len(r)))
		return append(b, r...)
	}
	b = append(b, w.tok[:]...)
	return binary.BigEndian.AppendUint64(b, w.received)
}

func readServerWelcome(r io.Reader) (serverWelcome, error) {
	var head [6]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return serverWelcome{}, err
	}
	if string(head[:4]) != rsmMagic || head[4] != 1 {
		return serverWelcome{}, errResumeWire
	}
	w := serverWelcome{status: head[5]}
	switch w.status {
	case rsmRefused, rsmBusy:
		var n [1]byte
		if _, err := io.ReadFull(r, n[:]); err != nil {
			return w, err
		}
		reason := make([]byte, n[0])
		if _, err := io.ReadFull(r, reason); err != nil {
			return w, err
		}
		w.reason = string(reason)
	case rsmNew, rsmResumed:
		var b [tokenSize + 8]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return w, err
		}
		copy(w.tok[:], b[:tokenSize])
		w.received = binary.BigEndian.Uint64(b[tokenSize:])
	default:
		return w, fmt.Errorf("%w: status %d", errResumeWire, w.status)
	}
	return w, nil
}
