package codec_test

import (
	"bytes"
	"testing"

	"github.com/telechan/telechan/codec"
)

// The seed corpora live in testdata/fuzz/<target>/: valid encodings of a RobotStatus and of
// assorted values, and hostile input (huge headers, deep nesting, duplicate keys, bad UTF-8,
// truncations). Plain go test runs them; go test -fuzz=<target> explores from them.

func FuzzCBORUnmarshal(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) { fuzzUnmarshal(t, codec.CBOR, data) })
}

func FuzzJSONUnmarshal(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) { fuzzUnmarshal(t, codec.JSON, data) })
}

// fuzzUnmarshal decodes data into a RobotStatus and into an any. A failure must be a decode
// error, never a panic; a success must re-encode, and the re-encoding must be a fixed point:
// decoding and encoding it again gives the same bytes.
func fuzzUnmarshal(t *testing.T, c codec.Codec, data []byte) {
	var s RobotStatus
	if err := c.Unmarshal(data, &s); err != nil {
		checkDecodeError(t, err, "")
	} else if y := s.Stamp.Year(); y >= 0 && y <= 9999 { // other years have no RFC 3339 form
		checkFixedPoint(t, c, s, func() any { return new(RobotStatus) })
	}
	var v any
	if err := c.Unmarshal(data, &v); err != nil {
		checkDecodeError(t, err, "")
	} else {
		checkFixedPoint(t, c, v, func() any { return new(any) })
	}
}

// checkFixedPoint checks that v, decoded by c, encodes to bytes that decode and encode to the
// same bytes.
func checkFixedPoint(t *testing.T, c codec.Codec, v any, newPtr func() any) {
	t.Helper()
	b1, err := c.Marshal(v)
	if err != nil {
		t.Fatalf("%s: Marshal(%#v) of a decoded value: %v", c.Name(), v, err)
	}
	p := newPtr()
	if err := c.Unmarshal(b1, p); err != nil {
		t.Fatalf("%s: Unmarshal(%x) of a re-encoded value: %v", c.Name(), b1, err)
	}
	b2, err := c.Marshal(p)
	if err != nil {
		t.Fatalf("%s: second Marshal: %v", c.Name(), err)
	}
	if !bytes.Equal(b1, b2) {
		t.Fatalf("%s: re-encoding is not a fixed point:\n%x\n%x", c.Name(), b1, b2)
	}
}
