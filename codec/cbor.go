package codec

import (
	"reflect"

	"github.com/fxamacker/cbor/v2"
)

// CBOR is the CBOR codec (RFC 8949), named "cbor", built on fxamacker/cbor/v2 with the default
// limits of [CBOROptions]. See the package documentation for how it is configured and why.
var CBOR Codec = mustCBOR()

// cborCodec holds an encoding and a decoding mode; both are immutable and safe for concurrent
// use.
type cborCodec struct {
	enc cbor.EncMode
	dec cbor.DecMode
}

// NewCBOR returns a CBOR codec with the decode limits of opts; nil means the defaults, which
// are those of [CBOR]. It returns an error matching [ErrInvalidOptions] for a limit out of range.
//
// The codec's name is "cbor", like [CBOR]'s: limits are a local policy, not a wire format, so
// the two read and write the same bytes. Hand it to a connection's options rather than to
// [Register], which would panic on the duplicate name.
func NewCBOR(opts *CBOROptions) (Codec, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	enc, err := encOptions().EncMode()
	if err != nil {
		return nil, err
	}
	dec, err := decOptions(o).DecMode()
	if err != nil {
		return nil, err
	}
	return &cborCodec{enc: enc, dec: dec}, nil
}

// mustCBOR builds [CBOR]; it fails only if the options below are wrong, which tests catch.
func mustCBOR() Codec {
	c, err := NewCBOR(nil)
	if err != nil {
		panic("codec: " + err.Error())
	}
	return c
}

// encOptions is how every CBOR codec encodes. Each field that differs from fxamacker/cbor's
// default says why.
func encOptions() cbor.EncOptions {
	return cbor.EncOptions{
		// Default TimeUnix keeps whole seconds only. RFC 3339 text with nanoseconds and the
		// zone offset, under tag 0, keeps a time.Time exactly, as JSON does.
		Time:    cbor.TimeRFC3339Nano,
		TimeTag: cbor.EncTagRequired,
		// Sorted map keys make the encoding of a value deterministic, as encoding/json's is.
		Sort: cbor.SortCoreDeterministic,
		// A float64 is written as float16 or float32 when that is exact: 1.5 takes 3 bytes
		// instead of 9, and decodes to the same float64.
		ShortestFloat: cbor.ShortestFloat16,
		// omitempty means what it means to encoding/json: the default also drops a struct
		// whose fields are all empty, which JSON never does.
		OmitEmpty: cbor.OmitEmptyGoValue,
		// A type encodes as it does under JSON: through MarshalText if it has one (netip.Addr,
		// big.Float, user enums), and never through MarshalBinary, which JSON ignores and
		// which would make map keys byte strings that an `any` cannot hold.
		TextMarshaler:   cbor.TextMarshalerTextString,
		BinaryMarshaler: cbor.BinaryMarshalerNone,
	}
}

// decOptions is how a CBOR codec with limits o decodes. Each field says why it is set, including
// those equal to fxamacker/cbor's default, which are pinned against upstream changes.
func decOptions(o CBOROptions) cbor.DecOptions {
	return cbor.DecOptions{
		MaxNestedLevels:  o.MaxNestedLevels,
		MaxArrayElements: o.MaxArrayElements,
		MaxMapPairs:      o.MaxMapPairs,
		// A map with a repeated key is ambiguous (which value wins?) and is how one message
		// is read two ways by two parsers: reject it. Decoding stops at the duplicate, so the
		// destination may be partly filled, as after any decode error.
		DupMapKey: cbor.DupMapKeyEnforcedAPF,
		// Text strings must be valid UTF-8, as RFC 8949 requires (the default; pinned).
		UTF8: cbor.UTF8RejectInvalid,
		// Values decoded into an `any` look like JSON's: map[string]any, not the default
		// map[any]any that encoding/json, templates and most code cannot use.
		DefaultMapType: reflect.TypeOf(map[string]any(nil)),
		// Integers decoded into an `any` are int64 whatever their sign (the default gives
		// uint64 for non-negative ones), and big.Int beyond the int64 range.
		IntDec: cbor.IntDecConvertSignedOrBigInt,
		// A time decoded into an `any` is its RFC 3339 string, as under JSON.
		TimeTagToAny: cbor.TimeTagToRFC3339Nano,
		// An unknown tag decoded into an `any` gives its content, not a cbor.Tag.
		UnrecognizedTagToAny: cbor.UnrecognizedTagContentToAny,
		// The decoding counterparts of EncOptions' TextMarshaler and BinaryMarshaler.
		TextUnmarshaler:   cbor.TextUnmarshalerTextString,
		BinaryUnmarshaler: cbor.BinaryUnmarshalerNone,
	}
}

// Name returns "cbor".
func (*cborCodec) Name() string { return "cbor" }

// Marshal returns the CBOR encoding of v.
func (c *cborCodec) Marshal(v any) ([]byte, error) {
	b, err := c.enc.Marshal(v)
	if err != nil {
		return nil, encodeError("cbor", err)
	}
	return b, nil
}

// Unmarshal decodes the single CBOR data item in data into v, within c's limits.
func (c *cborCodec) Unmarshal(data []byte, v any) error {
	if len(data) == 0 {
		return decodeError("cbor", errEmptyInput)
	}
	return decodeError("cbor", c.dec.Unmarshal(data, v))
}
