package codec_test

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"time"

	"github.com/telechan/telechan/codec"
)

// Status is a message as users write them: a plain struct with json tags.
type Status struct {
	Robot   string    `json:"robot"`
	Battery float64   `json:"battery"`
	Faults  []string  `json:"faults,omitempty"`
	Image   []byte    `json:"image,omitempty"`
	At      time.Time `json:"at"`
}

// A value makes the round trip exactly under both codecs, the time to the nanosecond and with
// its zone offset; CBOR carries the image as raw bytes, JSON as base64.
func Example() {
	at := time.Date(2024, 3, 9, 17, 4, 5, 123456789, time.FixedZone("CET", 3600))
	in := Status{Robot: "elmo", Battery: 0.5, Image: make([]byte, 300), At: at}

	for _, c := range []codec.Codec{codec.CBOR, codec.JSON} {
		data, err := c.Marshal(in)
		if err != nil {
			fmt.Println(err)
			return
		}
		var out Status
		if err := c.Unmarshal(data, &out); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: %d bytes, %s %v %d-byte image, at %s\n", c.Name(), len(data),
			out.Robot, out.Battery, len(out.Image), out.At.Format(time.RFC3339Nano))
	}
	// Output:
	// cbor: 373 bytes, elmo 0.5 300-byte image, at 2024-03-09T17:04:05.123456789+01:00
	// json: 484 bytes, elmo 0.5 300-byte image, at 2024-03-09T17:04:05.123456789+01:00
}

// Decoded into an interface value, a CBOR message looks like a JSON one: maps have string
// keys, times are RFC 3339 strings. Integers are int64 rather than float64.
func Example_any() {
	data, _ := codec.CBOR.Marshal(map[string]any{"n": 7, "at": time.Unix(0, 1).UTC()})
	var v any
	if err := codec.CBOR.Unmarshal(data, &v); err != nil {
		fmt.Println(err)
		return
	}
	m := v.(map[string]any)
	fmt.Printf("%T %v, %T %v\n", m["n"], m["n"], m["at"], m["at"])
	// Output: int64 7, string 1970-01-01T00:00:00.000000001Z
}

// Input from a peer is checked before it is decoded: here a header claiming 2^31 elements is
// refused without allocating them.
func ExampleCBOROptions() {
	hostile := []byte{0x9a, 0x80, 0x00, 0x00, 0x00} // array of 2147483648 elements
	var v []int
	err := codec.CBOR.Unmarshal(hostile, &v)
	fmt.Println(errors.Is(err, codec.ErrDecode))
	fmt.Println(err)
	// Output:
	// true
	// codec: decode cbor: exceeded max number of elements 131072 for CBOR array
}

// NewCBOR makes a CBOR codec with other limits, for a connection that needs them. Its name is
// "cbor": the bytes on the wire are the same.
func ExampleNewCBOR() {
	strict, err := codec.NewCBOR(&codec.CBOROptions{MaxNestedLevels: 4})
	if err != nil {
		fmt.Println(err)
		return
	}
	data, _ := codec.CBOR.Marshal([][][][][]int{{{{{1}}}}})
	var v any
	fmt.Println(codec.CBOR.Unmarshal(data, &v))
	fmt.Println(strict.Unmarshal(data, &v))
	fmt.Println(strict.Name())

	_, err = codec.NewCBOR(&codec.CBOROptions{MaxArrayElements: 1})
	fmt.Println(err)
	// Output:
	// <nil>
	// codec: decode cbor: exceeded max nested level 4
	// cbor
	// codec: invalid options: CBOROptions.MaxArrayElements is 1, want 0 (default 131072) or a value in [16, 2147483647]
}

// gobCodec adds encoding/gob under the name "gob".
type gobCodec struct{}

func (gobCodec) Name() string { return "gob" }

func (gobCodec) Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	err := gob.NewEncoder(&buf).Encode(v)
	return buf.Bytes(), err
}

func (gobCodec) Unmarshal(data []byte, v any) error {
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(v); err != nil {
		return fmt.Errorf("%w: gob: %w", codec.ErrDecode, err)
	}
	return nil
}

// Register adds a format that connections can then agree on by name. It is usually called from
// an init function; it panics if the name is taken.
func ExampleRegister() {
	if _, ok := codec.Lookup("gob"); !ok { // so that the example can run twice
		codec.Register(gobCodec{})
	}
	fmt.Println(codec.Names())

	c, _ := codec.Lookup("gob")
	data, _ := c.Marshal([]string{"stop"})
	var cmd []string
	fmt.Println(c.Unmarshal(data, &cmd), cmd)
	// Output:
	// [cbor gob json]
	// <nil> [stop]
}

// Lookup finds the codec a peer asked for by name.
func ExampleLookup() {
	for _, name := range []string{"cbor", "msgpack"} {
		if c, ok := codec.Lookup(name); ok {
			fmt.Println("using", c.Name())
		} else {
			fmt.Println("unknown codec", name)
		}
	}
	// Output:
	// using cbor
	// unknown codec msgpack
}
