package codec_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/telechan/telechan/codec"
)

// namedCodec is JSON under another name.
type namedCodec struct {
	codec.Codec
	name string
}

func (c namedCodec) Name() string { return c.name }

// register registers c for the duration of the test.
func register(t *testing.T, c codec.Codec) {
	t.Helper()
	codec.Register(c)
	t.Cleanup(func() { codec.Unregister(c.Name()) })
}

func TestBuiltinsRegistered(t *testing.T) {
	for _, c := range []codec.Codec{codec.JSON, codec.CBOR} {
		got, ok := codec.Lookup(c.Name())
		if !ok || got != c {
			t.Errorf("Lookup(%q) = %v, %v; want the built-in codec", c.Name(), got, ok)
		}
	}
	// ExampleRegister adds "gob" for good, so other names may be present.
	names := codec.Names()
	if !slices.IsSorted(names) || !slices.Contains(names, "cbor") || !slices.Contains(names, "json") {
		t.Errorf("Names() = %q, want a sorted list holding cbor and json", names)
	}
	for _, name := range []string{"", "JSON", "cbor ", "msgpack"} {
		if c, ok := codec.Lookup(name); ok {
			t.Errorf("Lookup(%q) = %v, true; want false", name, c)
		}
	}
}

func TestRegister(t *testing.T) {
	c := namedCodec{codec.JSON, "test-json.v2"}
	register(t, c)
	got, ok := codec.Lookup("test-json.v2")
	if !ok || got != codec.Codec(c) {
		t.Errorf("Lookup = %v, %v; want the registered codec", got, ok)
	}
	if names := codec.Names(); !slices.IsSorted(names) || !slices.Contains(names, "test-json.v2") {
		t.Errorf("Names() = %q, want a sorted list holding test-json.v2", names)
	}
	// Names returns a copy.
	codec.Names()[0] = "changed"
	if codec.Names()[0] != "cbor" {
		t.Error("Names shares its slice")
	}
}

func TestRegisterPanics(t *testing.T) {
	register(t, namedCodec{codec.JSON, "taken"})
	for _, tc := range []struct {
		name string
		c    codec.Codec
		want string
	}{
		{"nil", nil, "codec: Register codec is nil"},
		{"empty name", namedCodec{codec.JSON, ""}, `codec: Register codec with invalid name ""`},
		{"upper case", namedCodec{codec.JSON, "JSON2"}, "invalid name"},
		{"space", namedCodec{codec.JSON, "a b"}, "invalid name"},
		{"comma", namedCodec{codec.JSON, "a,b"}, "invalid name"},
		{"leading dash", namedCodec{codec.JSON, "-a"}, "invalid name"},
		{"too long", namedCodec{codec.JSON, strings.Repeat("a", 33)}, "invalid name"},
		{"non-ASCII", namedCodec{codec.JSON, "jsön"}, "invalid name"},
		{"duplicate", namedCodec{codec.JSON, "taken"}, `codec: Register called twice for codec "taken"`},
		{"builtin cbor", codec.CBOR, `codec: Register called twice for codec "cbor"`},
		{"builtin json", namedCodec{codec.CBOR, "json"}, `called twice for codec "json"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				msg, _ := r.(string)
				if !strings.HasPrefix(msg, "codec: ") || !strings.Contains(msg, tc.want) {
					t.Errorf("panic %v, want one containing %q", r, tc.want)
				}
			}()
			codec.Register(tc.c)
		})
	}
	if c, _ := codec.Lookup("json"); c != codec.JSON {
		t.Error("a failed Register replaced json")
	}
	register(t, namedCodec{codec.JSON, strings.Repeat("a", 32)}) // longest name accepted
}
