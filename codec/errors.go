package codec

import (
	"errors"
	"io"
	"strings"
)

var (
	// ErrDecode is matched (with errors.Is) by every error that Unmarshal of [JSON] and [CBOR]
	// returns: malformed, truncated or trailing input, a limit exceeded, a duplicate map key,
	// invalid UTF-8, or a value that does not fit the destination. The underlying error stays
	// reachable with errors.As, for example a *cbor.SyntaxError or a *json.UnmarshalTypeError.
	// A codec added with [Register] should wrap it too.
	ErrDecode = errors.New("codec: cannot decode")

	// ErrEncode is matched by every error that Marshal of [JSON] and [CBOR] returns, such as an
	// unsupported type (a channel, a func) or a NaN under JSON.
	ErrEncode = errors.New("codec: cannot encode")

	// ErrInvalidOptions is matched by the error [NewCBOR] returns for a limit out of range.
	ErrInvalidOptions = errors.New("codec: invalid options")
)

// codecError is a failed Marshal or Unmarshal. It reads "codec: decode cbor: <cause>" and
// unwraps to both its sentinel and its cause.
type codecError struct {
	op       string // "decode" or "encode"
	codec    string // "cbor" or "json"
	sentinel error  // ErrDecode or ErrEncode
	err      error
}

func (e *codecError) Error() string {
	// Both libraries prefix their messages with their own name; drop it to avoid a stutter.
	msg := strings.TrimPrefix(e.err.Error(), e.codec+": ")
	return "codec: " + e.op + " " + e.codec + ": " + msg
}

func (e *codecError) Unwrap() []error { return []error{e.sentinel, e.err} }

// errEmptyInput is the cause reported for empty input, for which fxamacker/cbor returns a bare
// io.EOF: a caller reading a stream must never take a bad message for the end of the stream.
var errEmptyInput = errors.New("empty input")

// errTruncated replaces a bare io.ErrUnexpectedEOF, still matching it, with words that say what
// happened.
type errTruncated struct{}

func (errTruncated) Error() string        { return "truncated input (unexpected EOF)" }
func (errTruncated) Is(target error) bool { return target == io.ErrUnexpectedEOF }

// decodeError wraps err, returned by the named codec's Unmarshal, so that it matches ErrDecode.
func decodeError(codec string, err error) error {
	switch {
	case err == nil:
		return nil
	case err == io.ErrUnexpectedEOF: //nolint:errorlint // only the library's bare value is replaced
		err = errTruncated{}
	case errors.Is(err, io.EOF):
		// io.EOF from an UnmarshalCBOR or UnmarshalJSON method: keep the words, drop the
		// identity, for the same reason as errEmptyInput.
		err = errors.New(err.Error())
	}
	return &codecError{op: "decode", codec: codec, sentinel: ErrDecode, err: err}
}

// encodeError wraps err, returned by the named codec's Marshal, so that it matches ErrEncode.
func encodeError(codec string, err error) error {
	if err == nil {
		return nil
	}
	return &codecError{op: "encode", codec: codec, sentinel: ErrEncode, err: err}
}
