// Package codec turns the values sent on telechan channels into bytes and back.
//
// A [Codec] has a name, a Marshal and an Unmarshal. Two are built in and registered: [JSON]
// (encoding/json) and [CBOR] (RFC 8949, through fxamacker/cbor/v2, with decode limits set). A
// connection agrees on one codec by name in its handshake; [Register] adds another format and
// [Lookup] and [Names] find them. [NewCBOR] builds a CBOR codec with other decode limits.
//
// User types need no special interface: plain structs with `json:"name,omitempty"` field tags
// encode the same way under both codecs, and every value below survives a round trip exactly
// under both: strings, every int and uint (math.MinInt64 to math.MaxUint64), float64, bool,
// nested structs, pointers, slices, maps, []byte and time.Time.
//
// # Choosing a codec
//
// CBOR is the default choice between telechan programs: it is binary, so a []byte travels as
// itself rather than as base64, it is smaller and faster, and its decoder enforces the limits
// described below. JSON is for peers that only speak JSON, such as a browser page, and for
// reading traffic by eye.
//
// # How CBOR is configured
//
// fxamacker/cbor's defaults are tuned for generality; this package changes those that would
// surprise a JSON user or let a peer do harm:
//
//   - time.Time is written as RFC 3339 text with nanoseconds and the zone offset, under tag 0.
//     The library default writes whole Unix seconds, silently dropping the fraction and the
//     offset. As under JSON, the zone's name is not kept, only its offset: a time comes back
//     Equal, with the same offset, in a fixed zone (or time.Local if the offsets agree). Years
//     outside 0 to 9999 have no RFC 3339 form: JSON refuses to encode them, and CBOR encodes
//     text that no decoder accepts. The zero time.Time is written as null, which decodes to
//     the zero time.Time again.
//   - Decoding rejects duplicate map keys (and so a struct field given twice), text that is not
//     valid UTF-8, nesting deeper than 32 levels, and arrays or maps of more than 131072
//     elements (see [CBOROptions]). Well-formedness, nesting and sizes are checked over the
//     whole input before anything is decoded: a header claiming 2^31 elements costs nothing.
//   - Map keys are sorted, so a value always has the same encoding, and a float64 is written in
//     the shortest of float16, float32 and float64 that keeps it exactly. NaN and the
//     infinities are encoded (JSON refuses them).
//   - omitempty drops the same fields as under JSON, and a type with MarshalText and
//     UnmarshalText (netip.Addr, a user's enum) is encoded through them as under JSON.
//     MarshalBinary is not used, as JSON does not use it.
//   - Decoded into an interface value, a map is a map[string]any as under JSON, an integer is
//     an int64 (a big.Int beyond its range), a float is a float64, a byte string a []byte and a
//     time the RFC 3339 string.
//
// # Field tags
//
// fxamacker/cbor reads `json` tags when a field has no `cbor` tag, including "-", omitempty and
// omitzero, and embedded structs are flattened as by encoding/json. The ",string" option is
// honoured by JSON only. Keys are matched to fields as by encoding/json: exactly, then without
// regard to case. Unknown keys are ignored by both codecs, so a newer peer may add fields.
//
// # Types with their own encoding
//
// A type that implements cbor.Marshaler and cbor.Unmarshaler (MarshalCBOR, UnmarshalCBOR)
// controls its CBOR form, and json.Marshaler and json.Unmarshaler its JSON form, wherever it
// sits: a field, a pointer, a slice element or a map value. telechan's channel halves do this.
// A type with only MarshalJSON and UnmarshalJSON is encoded under CBOR from its exported fields,
// as if it had none; give it MarshalCBOR and UnmarshalCBOR, or MarshalText and UnmarshalText
// which both codecs use, if those fields do not hold all of its state.
//
// # Errors
//
// Unmarshal never panics on any input (a panic in a type's own UnmarshalCBOR or UnmarshalJSON
// is that type's), and its errors match [ErrDecode]; Marshal's match [ErrEncode]. After an error the destination may be partly filled and should be discarded. An
// error never matches io.EOF, so that a caller reading a stream cannot take a bad message for
// its end.
package codec
