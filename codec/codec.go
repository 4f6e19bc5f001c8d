package codec

// Codec turns values into bytes and back. Implementations must be safe for concurrent use.
//
// A Codec encodes one value per call; framing several values on a stream is the caller's job.
type Codec interface {
	// Name is the short lowercase name carried in the connection handshake, such as "json"
	// or "cbor". Two codecs with the same name must read and write the same bytes.
	Name() string

	// Marshal returns the encoding of v.
	Marshal(v any) ([]byte, error)

	// Unmarshal decodes data, which must hold exactly one value, into v, a non-nil pointer.
	// It must return an error, and never panic, whatever data holds. It must not retain data.
	Unmarshal(data []byte, v any) error
}
