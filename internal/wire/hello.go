package wire

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Magic opens both handshake messages.
const Magic = "TLCH"

// Version is the protocol version this package speaks.
const Version = 1

// MaxHelloBody bounds the JSON body of a handshake message.
const MaxHelloBody = 4096

// PortHeaderSize is the size of the header that opens a port stream: the
// big-endian uint32 port number being claimed.
const PortHeaderSize = 4

// ErrNotTelechan reports a peer whose first bytes are not a telechan
// handshake.
var ErrNotTelechan = errors.New("wire: peer does not speak telechan")

// Hello is the client's handshake body.
type Hello struct {
	// Codecs lists the codec names the client accepts, preferred first.
	Codecs []string `json:"codecs"`
	// MaxItem is the largest encoded item the client accepts, in bytes.
	MaxItem uint32 `json:"max_item"`
}

// Welcome is the server's handshake body: either a codec and a limit, or an
// error.
type Welcome struct {
	// Codec is the codec the server picked from the client's list.
	Codec string `json:"codec,omitempty"`
	// MaxItem is the largest encoded item the server accepts, in bytes.
	MaxItem uint32 `json:"max_item,omitempty"`
	// Error, when set, says why the server refuses the connection.
	Error string `json:"error,omitempty"`
}

// WriteHello writes a handshake message: magic, version, a big-endian
// uint16 body length and the JSON body.
func WriteHello(w io.Writer, version byte, body any) error {
	js, err := json.Marshal(body)
	if err != nil {
		return err
	}
	if len(js) > MaxHelloBody {
		return fmt.Errorf("wire: handshake body of %d bytes exceeds %d", len(js), MaxHelloBody)
	}
	b := make([]byte, 0, len(Magic)+3+len(js))
	b = append(b, Magic...)
	b = append(b, version)
	b = binary.BigEndian.AppendUint16(b, uint16(len(js)))
	_, err = w.Write(append(b, js...))
	return err
}

// ReadHello reads a handshake message and returns the peer's version and its
// raw JSON body. It fails with ErrNotTelechan when the magic is wrong.
func ReadHello(r io.Reader) (version byte, body []byte, err error) {
	var h [len(Magic) + 3]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, fmt.Errorf("wire: read handshake: %w", err)
	}
	if string(h[:len(Magic)]) != Magic {
		return 0, nil, ErrNotTelechan
	}
	n := binary.BigEndian.Uint16(h[len(Magic)+1:])
	if n > MaxHelloBody {
		return 0, nil, fmt.Errorf("wire: handshake body of %d bytes exceeds %d", n, MaxHelloBody)
	}
	body = make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return 0, nil, fmt.Errorf("wire: read handshake body: %w", err)
	}
	return h[len(Magic)], body, nil
}

// ParseHello decodes a client handshake body.
func ParseHello(body []byte) (Hello, error) {
	var h Hello
	if err := json.Unmarshal(body, &h); err != nil {
		return h, fmt.Errorf("wire: bad handshake body: %w", err)
	}
	if len(h.Codecs) == 0 {
		return h, errors.New("wire: handshake lists no codec")
	}
	return h, nil
}

// ParseWelcome decodes a server handshake body.
func ParseWelcome(body []byte) (Welcome, error) {
	var w Welcome
	if err := json.Unmarshal(body, &w); err != nil {
		return w, fmt.Errorf("wire: bad handshake reply: %w", err)
	}
	if w.Error == "" && w.Codec == "" {
		return w, errors.New("wire: handshake reply names no codec")
	}
	return w, nil
}

// AppendPortHeader appends the header of a port stream to b.
func AppendPortHeader(b []byte, port uint32) []byte {
	return binary.BigEndian.AppendUint32(b, port)
}

// ReadPortHeader reads the header of a port stream.
func ReadPortHeader(r io.Reader) (uint32, error) {
	var h [PortHeaderSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(h[:]), nil
}
