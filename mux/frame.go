package mux

import "encoding/binary"

// The yamux frame header (see spec.md in github.com/hashicorp/yamux):
//
//	version(1) type(1) flags(2) streamID(4) length(4), big endian
//
// A data frame's header is followed by length bytes of body; the other types
// have no body (for them length is a window delta, a ping id or a code).
const (
	headerSize = 12

	typeData         = 0
	typeWindowUpdate = 1
	typePing         = 2
	typeGoAway       = 3

	flagSYN = 1 << 0
	flagACK = 1 << 1
	flagFIN = 1 << 2
	flagRST = 1 << 3
)

// header is one decoded yamux frame header.
type header struct {
	version, typ uint8
	flags        uint16
	id           uint32
	length       uint32
}

// parseHeader decodes the first headerSize bytes of b.
func parseHeader(b []byte) header {
	return header{
		version: b[0],
		typ:     b[1],
		flags:   binary.BigEndian.Uint16(b[2:4]),
		id:      binary.BigEndian.Uint32(b[4:8]),
		length:  binary.BigEndian.Uint32(b[8:12]),
	}
}

// bodyLen is the number of body bytes that follow the header on the wire.
func (h header) bodyLen() uint32 {
	if h.typ == typeData {
		return h.length
	}
	return 0
}

// dataHeaderAlone reports whether p is exactly one header of a data frame
// with a body still to come: what yamux's send loop writes before the body.
func dataHeaderAlone(p []byte) (body uint32, ok bool) {
	if len(p) != headerSize {
		return 0, false
	}
	h := parseHeader(p)
	if h.version != 0 || h.typ != typeData || h.length == 0 {
		return 0, false
	}
	return h.length, true
}

// frameScanner follows a byte stream of yamux frames, in whatever pieces it
// arrives, and reports each frame to a frameObserver. It is used by one
// goroutine at a time.
type frameScanner struct {
	buf  [headerSize]byte
	n    int    // header bytes gathered in buf
	skip uint32 // body bytes of cur still to pass
	cur  header
}

// frameObserver is told about frames passing a frameScanner: start once the
// header has passed, end once the body has passed too (at once for a frame
// without body).
type frameObserver interface {
	start(h header)
	end(h header)
}

// boundary reports whether the bytes scanned so far end with a whole frame.
func (sc *frameScanner) boundary() bool { return sc.n == 0 && sc.skip == 0 }

// scan consumes p, reporting every header and frame end within it to o.
func (sc *frameScanner) scan(p []byte, o frameObserver) {
	for len(p) > 0 {
		if sc.skip > 0 {
			k := uint32(min(uint64(len(p)), uint64(sc.skip)))
			p, sc.skip = p[k:], sc.skip-k
			if sc.skip == 0 {
				o.end(sc.cur)
			}
			continue
		}
		k := copy(sc.buf[sc.n:], p)
		p, sc.n = p[k:], sc.n+k
		if sc.n < headerSize {
			return
		}
		sc.n, sc.cur = 0, parseHeader(sc.buf[:])
		o.start(sc.cur)
		if sc.skip = sc.cur.bodyLen(); sc.skip == 0 {
			o.end(sc.cur)
		}
	}
}
