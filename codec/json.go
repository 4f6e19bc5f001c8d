package codec

import "encoding/json"

// JSON is the encoding/json codec, named "json". Marshal and Unmarshal behave as json.Marshal
// and json.Unmarshal do, except that errors match [ErrEncode] and [ErrDecode] and empty input is
// an error.
//
// It is the codec any peer can speak, a browser included, at a price: a []byte becomes a base64
// string (about 1.33 times its size, and several times the CPU of CBOR), and numbers decoded
// into an interface value become float64, so integers beyond 2^53 lose precision there (decode
// into a typed field to keep them). Duplicate object keys are accepted (the last wins) and
// invalid UTF-8 is replaced by U+FFFD rather than rejected.
var JSON Codec = jsonCodec{}

// jsonCodec is stateless; encoding/json is safe for concurrent use.
type jsonCodec struct{}

// Name returns "json".
func (jsonCodec) Name() string { return "json" }

// Marshal returns the JSON encoding of v.
func (jsonCodec) Marshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, encodeError("json", err)
	}
	return b, nil
}

// Unmarshal decodes the JSON value in data into v.
func (jsonCodec) Unmarshal(data []byte, v any) error {
	if len(data) == 0 {
		return decodeError("json", errEmptyInput)
	}
	return decodeError("json", json.Unmarshal(data, v))
}
