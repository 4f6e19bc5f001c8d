package codec_test

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"sync/atomic"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/telechan/telechan/codec"
)

// handle stands for a telechan channel half: its state is unexported, so only its own methods
// can carry it, and each codec must call them wherever the handle sits.
type handle struct{ port uint32 }

// Calls of each method, to prove that the codec, not a fallback, did the work.
var marshalCBORCalls, unmarshalCBORCalls, marshalJSONCalls, unmarshalJSONCalls atomic.Int64

// handleWire is the handle's encoding: a one-field CBOR array, or a JSON object.
type handleWire struct {
	_    struct{} `cbor:",toarray"`
	Port uint32   `json:"port"`
}

func (h handle) MarshalCBOR() ([]byte, error) {
	marshalCBORCalls.Add(1)
	return cbor.Marshal(handleWire{Port: h.port})
}

func (h *handle) UnmarshalCBOR(data []byte) error {
	unmarshalCBORCalls.Add(1)
	var w handleWire
	if err := cbor.Unmarshal(data, &w); err != nil {
		return fmt.Errorf("handle: %w", err)
	}
	h.port = w.Port
	return nil
}

func (h handle) MarshalJSON() ([]byte, error) {
	marshalJSONCalls.Add(1)
	return json.Marshal(handleWire{Port: h.port})
}

func (h *handle) UnmarshalJSON(data []byte) error {
	unmarshalJSONCalls.Add(1)
	var w handleWire
	if err := json.Unmarshal(data, &w); err != nil {
		return fmt.Errorf("handle: %w", err)
	}
	h.port = w.Port
	return nil
}

// withHandles puts handles everywhere a message may hold one.
type withHandles struct {
	Field   handle             `json:"field"`
	Ptr     *handle            `json:"ptr"`
	NilPtr  *handle            `json:"nil_ptr"`
	Slice   []handle           `json:"slice"`
	Map     map[string]handle  `json:"map"`
	PtrMap  map[string]*handle `json:"ptr_map"`
	Array   [2]handle          `json:"array"`
	Omitted *handle            `json:"omitted,omitempty"`
}

func TestCustomMarshalers(t *testing.T) {
	in := withHandles{
		Field:  handle{1},
		Ptr:    &handle{2},
		Slice:  []handle{{3}, {4}},
		Map:    map[string]handle{"a": {5}},
		PtrMap: map[string]*handle{"b": {6}},
		Array:  [2]handle{{7}, {8}},
	}
	const handles = 8 // non-nil handles in "in"
	type counters struct{ marshal, unmarshal, other *atomic.Int64 }
	for _, tc := range []struct {
		c codec.Codec
		n counters
	}{
		{codec.CBOR, counters{&marshalCBORCalls, &unmarshalCBORCalls, &marshalJSONCalls}},
		{codec.JSON, counters{&marshalJSONCalls, &unmarshalJSONCalls, &marshalCBORCalls}},
	} {
		t.Run(tc.c.Name(), func(t *testing.T) {
			m0, u0, o0 := tc.n.marshal.Load(), tc.n.unmarshal.Load(), tc.n.other.Load()
			b, err := tc.c.Marshal(in)
			if err != nil {
				t.Fatal(err)
			}
			var out withHandles
			if err := tc.c.Unmarshal(b, &out); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(out, in) {
				t.Errorf("got %+v, want %+v", out, in)
			}
			if m, u, o := tc.n.marshal.Load()-m0, tc.n.unmarshal.Load()-u0, tc.n.other.Load()-o0; m != handles || u != handles || o != 0 {
				t.Errorf("marshal calls %d, unmarshal calls %d, other codec's calls %d; want %d, %d, 0", m, u, o, handles, handles)
			}
		})
	}
}

// TestCustomMarshalerWireForm checks that the bytes MarshalCBOR writes are placed in the
// message as they are, not wrapped in a byte string.
func TestCustomMarshalerWireForm(t *testing.T) {
	b, err := codec.CBOR.Marshal(map[string]handle{"h": {42}})
	if err != nil {
		t.Fatal(err)
	}
	var got any
	if err := codec.CBOR.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"h": []any{int64(42)}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

// TestCustomUnmarshalerError checks that an error from UnmarshalCBOR surfaces as a decode
// error.
func TestCustomUnmarshalerError(t *testing.T) {
	b, err := codec.CBOR.Marshal(map[string]string{"field": "not an array"})
	if err != nil {
		t.Fatal(err)
	}
	var out withHandles
	err = codec.CBOR.Unmarshal(b, &out)
	if err == nil {
		t.Fatal("Unmarshal succeeded, want an error from UnmarshalCBOR")
	}
	t.Log(err)
}

// jsonOnly has MarshalJSON and UnmarshalJSON only, which CBOR does not use (see the package
// documentation): its exported fields are encoded instead.
type jsonOnly struct {
	Public string
	secret string
}

func (j jsonOnly) MarshalJSON() ([]byte, error) { return json.Marshal([2]string{j.Public, j.secret}) }

func (j *jsonOnly) UnmarshalJSON(b []byte) error {
	var a [2]string
	err := json.Unmarshal(b, &a)
	j.Public, j.secret = a[0], a[1]
	return err
}

func TestJSONOnlyMarshalerUnderCBOR(t *testing.T) {
	in := jsonOnly{"p", "s"}
	for _, tc := range []struct {
		c    codec.Codec
		want jsonOnly
	}{{codec.JSON, in}, {codec.CBOR, jsonOnly{Public: "p"}}} {
		b, err := tc.c.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		var out jsonOnly
		if err := tc.c.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		if out != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.c.Name(), out, tc.want)
		}
	}
}

// eofUnmarshaler fails with io.EOF, which must not leak out as the end of a stream.
type eofUnmarshaler struct{}

func (*eofUnmarshaler) UnmarshalCBOR([]byte) error { return io.EOF }
func (*eofUnmarshaler) UnmarshalJSON([]byte) error { return fmt.Errorf("wrapped: %w", io.EOF) }

func TestUnmarshalerEOFIsNotEOF(t *testing.T) {
	for _, c := range codecs {
		b, err := c.Marshal(1)
		if err != nil {
			t.Fatal(err)
		}
		var v eofUnmarshaler
		err = c.Unmarshal(b, &v)
		checkDecodeError(t, err, "EOF")
	}
}
