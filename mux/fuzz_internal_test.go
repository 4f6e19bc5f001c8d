package mux

import (
	"slices"
	"testing"
)

// FuzzFrameScanner feeds arbitrary peer bytes, cut into pieces of any size,
// through the frame scanner and the tracker that follow every session's
// inbound stream. Neither may panic, the pieces must not change what is
// seen, and the tracker never holds more streams than SYN headers passed.
func FuzzFrameScanner(f *testing.F) {
	var stream []byte
	stream = append(stream, encodeHeader(typeWindowUpdate, flagSYN, 1, 1000)...)
	stream = append(stream, encodeHeader(typeData, 0, 1, 5)...)
	stream = append(stream, "hello"...)
	stream = append(stream, encodeHeader(typePing, flagSYN, 0, 7)...)
	stream = append(stream, encodeHeader(typeData, flagFIN|flagRST, 1, 0)...)
	f.Add(stream, uint8(1))
	f.Add(encodeHeader(typeData, flagSYN, 3, 0xffffffff), uint8(5))
	f.Add(append(encodeHeader(typeData, flagSYN, 5, 3), "abcdef"...), uint8(13))
	f.Fuzz(func(t *testing.T, b []byte, piece uint8) {
		whole := scanAll(b, len(b)+1)
		pieces := scanAll(b, int(piece)+1)
		if !slices.Equal(whole.ev.log, pieces.ev.log) {
			t.Fatalf("pieces of %d: %v, whole: %v", piece+1, pieces.ev.log, whole.ev.log)
		}
		if n := len(pieces.t.streams); n > pieces.syns {
			t.Fatalf("tracker holds %d streams after %d SYNs", n, pieces.syns)
		}
	})
}

// scanned is what one pass of scanAll saw.
type scanned struct {
	ev   events
	t    *tracker
	syns int
}

// countingObserver passes frames to a tracker, as trackConn does, and
// records them.
type countingObserver struct{ s *scanned }

func (o countingObserver) start(h header) {
	if isStreamFrame(h) && h.flags&flagSYN != 0 {
		o.s.syns++
	}
	o.s.ev.start(h)
	inbound{o.s.t}.start(h)
}

func (o countingObserver) end(h header) {
	o.s.ev.end(h)
	inbound{o.s.t}.end(h)
}

func scanAll(b []byte, piece int) *scanned {
	s := &scanned{t: newTracker(&Options{})}
	var sc frameScanner
	for p := b; len(p) > 0; p = p[min(piece, len(p)):] {
		sc.scan(p[:min(piece, len(p))], countingObserver{s})
	}
	return s
}
