package codec

import (
	"slices"
	"strconv"
	"sync"
)

// maxNameLen bounds a codec name, which travels in every connection handshake.
const maxNameLen = 32

// registry maps names to codecs. It is written by Register, usually from init functions, and
// read by every connection handshake.
var registry = struct {
	mu     sync.RWMutex
	codecs map[string]Codec
}{codecs: map[string]Codec{"cbor": CBOR, "json": JSON}}

// Register makes c available by its name to [Lookup], and so to connection handshakes. It is
// meant to be called from an init function, like database/sql.Register.
//
// Register panics if c is nil, if its name is not 1 to 32 bytes of lowercase ASCII letters,
// digits, '.', '_' or '-' starting with a letter or digit, or if a codec of that name is already
// registered ("cbor" and "json" are). Registering is for new formats: to change how CBOR is
// decoded, pass a codec made by [NewCBOR] to the connection instead.
func Register(c Codec) {
	if c == nil {
		panic("codec: Register codec is nil")
	}
	name := c.Name()
	if !validName(name) {
		panic("codec: Register codec with invalid name " + quote(name))
	}
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if _, dup := registry.codecs[name]; dup {
		panic("codec: Register called twice for codec " + quote(name))
	}
	registry.codecs[name] = c
}

// Lookup returns the codec registered under name, and whether there is one.
func Lookup(name string) (Codec, bool) {
	registry.mu.RLock()
	defer registry.mu.RUnlock()
	c, ok := registry.codecs[name]
	return c, ok
}

// Names returns the names of the registered codecs in sorted order, "cbor" and "json" included.
// The slice is the caller's to keep.
func Names() []string {
	registry.mu.RLock()
	defer registry.mu.RUnlock()
	names := make([]string, 0, len(registry.codecs))
	for name := range registry.codecs {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// validName reports whether name is fit for the handshake: short, lowercase, no separators or
// spaces that a list of names could trip over.
func validName(name string) bool {
	if name == "" || len(name) > maxNameLen {
		return false
	}
	for i := range len(name) {
		switch b := name[i]; {
		case 'a' <= b && b <= 'z', '0' <= b && b <= '9':
		case (b == '.' || b == '_' || b == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}

// quote formats a name for a panic message; it may be empty or hold anything.
func quote(name string) string {
	if len(name) > 2*maxNameLen {
		name = name[:2*maxNameLen] + "..."
	}
	return strconv.Quote(name)
}
