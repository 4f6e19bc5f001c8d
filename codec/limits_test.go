package codec_test

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/telechan/telechan/codec"
)

// nestedArrays returns depth nested one-element CBOR arrays around a 0.
func nestedArrays(depth int) []byte {
	return append(bytes.Repeat([]byte{0x81}, depth), 0x00)
}

// indefiniteArray returns an indefinite-length CBOR array of n zeros.
func indefiniteArray(n int) []byte {
	b := append([]byte{0x9f}, make([]byte, n)...)
	return append(b, 0xff)
}

// hostileCBOR is input that every CBOR decode must reject, cheaply, into any destination.
var hostileCBOR = []struct {
	name, input, errContains string
}{
	{"empty", "", "empty input"},
	{"nested 33 arrays", string(nestedArrays(33)), "exceeded max nested level 32"},
	{"nested 1000 maps", strings.Repeat("\xa1\x61a", 1000) + "\x00", "exceeded max nested level"},
	{"nested 40 tags", strings.Repeat("\xd8\x64", 40) + "\x00", "exceeded max nested level"},
	{"array header 2^31", "\x9a\x80\x00\x00\x00", "exceeded max number of elements"},
	{"array header 2^63", "\x9b\x80\x00\x00\x00\x00\x00\x00\x00", "too large"},
	{"array header 2^64-1", "\x9b\xff\xff\xff\xff\xff\xff\xff\xff", "too large"},
	{"map header 2^31", "\xba\x80\x00\x00\x00", "exceeded max number of key-value pairs"},
	{"byte string header 2^31", "\x5a\x80\x00\x00\x00", "unexpected EOF"},
	{"text string header 2^63", "\x7b\x80\x00\x00\x00\x00\x00\x00\x00", "too large"},
	{"indefinite array over limit", string(indefiniteArray(128*1024 + 1)), "exceeded max number of elements"},
	{"duplicate map key", "\xa2\x64name\x61a\x64name\x61b", "duplicate map key"},
	{"invalid UTF-8", "\x62\xff\xfe", "invalid UTF-8"},
	{"invalid UTF-8 key", "\xa1\x62\xc3\x28\x00", "invalid UTF-8"},
	{"truncated map", "\xa2\x64name\x61a", "truncated input"},
	{"truncated float", "\xfb\x3f\xf0", "truncated input"},
	{"trailing data", "\x00\x00", "extraneous data"},
	{"break outside indefinite", "\xff", ""},
	{"reserved additional info", "\x1c", ""},
	{"unterminated indefinite", "\x9f\x00", "truncated input"},
}

// decodeTargets are the destinations every hostile input is decoded into, an any first.
func decodeTargets() []any {
	var (
		a any
		s RobotStatus
		m map[string]any
		l []any
		x string
	)
	return []any{&a, &s, &m, &l, &x}
}

func TestCBORRejectsHostileInput(t *testing.T) {
	for _, tc := range hostileCBOR {
		t.Run(tc.name, func(t *testing.T) {
			for i, v := range decodeTargets() {
				err := codec.CBOR.Unmarshal([]byte(tc.input), v)
				if i == 0 { // into any: the input's fault, not the destination's type
					checkDecodeError(t, err, tc.errContains)
				} else {
					checkDecodeError(t, err, "")
				}
			}
		})
	}
}

// checkDecodeError checks that err is a well-behaved decode error.
func checkDecodeError(t *testing.T, err error, contains string) {
	t.Helper()
	switch {
	case err == nil:
		t.Fatal("Unmarshal succeeded, want an error")
	case !errors.Is(err, codec.ErrDecode):
		t.Errorf("error %q does not match ErrDecode", err)
	case errors.Is(err, io.EOF):
		t.Errorf("error %q matches io.EOF", err)
	case !strings.HasPrefix(err.Error(), "codec: decode "):
		t.Errorf("error %q lacks the codec prefix", err)
	case !strings.Contains(err.Error(), contains):
		t.Errorf("error %q does not contain %q", err, contains)
	}
}

// TestCBORHostileInputAllocatesLittle checks that a header claiming a huge container or string
// is refused before anything of that size is allocated.
func TestCBORHostileInputAllocatesLittle(t *testing.T) {
	for _, tc := range hostileCBOR {
		if len(tc.input) > 100 {
			continue // the input itself is large
		}
		n := allocated(func() {
			for _, v := range decodeTargets() {
				_ = codec.CBOR.Unmarshal([]byte(tc.input), v)
			}
		})
		if n > 64<<10 {
			t.Errorf("%s: decoding allocated %d bytes", tc.name, n)
		}
	}
}

// allocated returns the bytes allocated while f runs.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestCBORLimitBoundaries(t *testing.T) {
	var v any
	if err := codec.CBOR.Unmarshal(nestedArrays(32), &v); err != nil {
		t.Errorf("32 levels: %v", err)
	}
	if err := codec.CBOR.Unmarshal(indefiniteArray(128*1024), &v); err != nil {
		t.Errorf("131072 elements: %v", err)
	}
	big := make([]int8, 128*1024)
	b, err := codec.CBOR.Marshal(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := codec.CBOR.Unmarshal(b, &big); err != nil {
		t.Errorf("131072 elements: %v", err)
	}
	b, err = codec.CBOR.Marshal(append(big, 0))
	if err != nil {
		t.Fatal(err)
	}
	checkDecodeError(t, codec.CBOR.Unmarshal(b, &big), "exceeded max number of elements 131072")
}

// TestCBORDuplicateField checks that a struct field given twice is refused, including under a
// key that differs only in case.
func TestCBORDuplicateField(t *testing.T) {
	for _, input := range []string{
		"\xa2\x64name\x61a\x64name\x61b",
		"\xa2\x64name\x61a\x64NAME\x61b",
	} {
		var s RobotStatus
		checkDecodeError(t, codec.CBOR.Unmarshal([]byte(input), &s), "duplicate map key")
	}
}

func TestTruncatedInput(t *testing.T) {
	for _, c := range codecs {
		b, err := c.Marshal(fullStatus())
		if err != nil {
			t.Fatal(err)
		}
		for n := range len(b) {
			var s RobotStatus
			err := c.Unmarshal(b[:n], &s)
			if err == nil {
				t.Fatalf("%s: %d of %d bytes decoded without error", c.Name(), n, len(b))
			}
			if c == codec.CBOR && n > 0 && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("%s: %d of %d bytes: %v, want a truncation error", c.Name(), n, len(b), err)
			}
			checkDecodeError(t, err, "")
		}
	}
}

func TestJSONRejectsHostileInput(t *testing.T) {
	for _, tc := range []struct{ name, input, errContains string }{
		{"empty", "", "empty input"},
		{"truncated", `{"name":"a`, "unexpected end of JSON input"},
		{"trailing data", `{} {}`, "after top-level value"},
		{"deep nesting", strings.Repeat("[", 20000) + strings.Repeat("]", 20000), "exceeded max depth"},
		{"bad literal", `{"enabled":tru}`, "invalid character"},
		{"number overflow", `1e400`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, v := range decodeTargets() {
				checkDecodeError(t, codec.JSON.Unmarshal([]byte(tc.input), v), tc.errContains)
			}
		})
	}
}

func TestNewCBOR(t *testing.T) {
	for _, opts := range []*codec.CBOROptions{nil, {}, {MaxNestedLevels: 4, MaxArrayElements: 16, MaxMapPairs: 1<<31 - 1}} {
		c, err := codec.NewCBOR(opts)
		if err != nil {
			t.Fatalf("NewCBOR(%+v): %v", opts, err)
		}
		if c.Name() != "cbor" {
			t.Errorf("Name() = %q, want cbor", c.Name())
		}
	}
	for _, opts := range []*codec.CBOROptions{
		{MaxNestedLevels: -1}, {MaxNestedLevels: 3}, {MaxNestedLevels: 65536},
		{MaxArrayElements: 15}, {MaxArrayElements: -5}, {MaxMapPairs: 1 << 31},
	} {
		c, err := codec.NewCBOR(opts)
		if !errors.Is(err, codec.ErrInvalidOptions) || c != nil {
			t.Errorf("NewCBOR(%+v) = %v, %v; want nil, ErrInvalidOptions", opts, c, err)
		}
	}
}

func TestNewCBORLimits(t *testing.T) {
	c, err := codec.NewCBOR(&codec.CBOROptions{MaxNestedLevels: 4, MaxArrayElements: 16, MaxMapPairs: 16})
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := c.Unmarshal(nestedArrays(4), &v); err != nil {
		t.Errorf("4 levels: %v", err)
	}
	checkDecodeError(t, c.Unmarshal(nestedArrays(5), &v), "exceeded max nested level 4")
	checkDecodeError(t, c.Unmarshal(indefiniteArray(17), &v), "exceeded max number of elements 16")
	m := map[string]int{}
	for i := range 17 {
		m[string(rune('a'+i))] = i
	}
	b, err := c.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	checkDecodeError(t, c.Unmarshal(b, &v), "exceeded max number of key-value pairs 16")
	// The wire format is the same as CBOR's.
	b2, err := codec.CBOR.Marshal(m)
	if err != nil || !bytes.Equal(b, b2) {
		t.Errorf("encodings differ: %x, %x (%v)", b, b2, err)
	}
}
