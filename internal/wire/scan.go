package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unicode/utf16"
	"unicode/utf8"
)

// A Scan is what a look at one encoded item tells without decoding it: how
// many containers (arrays, maps, objects) and scalars it holds, and the
// channel references in it. Scanning allocates nothing but the references
// it returns, so it is safe on any input a peer sends: it is how a
// receiver bounds what decoding an item will cost before it decodes, and
// how it finds the ports of an item it will never decode, to reject them.
type Scan struct {
	Containers int // arrays and maps
	Scalars    int // everything else, map keys included
	// Refs holds the first references found (at most the max given to
	// the scanner); NumRefs counts them all.
	Refs    []Ref
	NumRefs int
}

// maxScanDepth bounds the nesting a scanner follows. Both codecs refuse
// deeper items anyway (CBOR at 32 levels by default).
const maxScanDepth = 256

// ErrScan reports an item that is not well formed.
var ErrScan = errors.New("wire: malformed item")

// ScanCBOR scans one CBOR data item that must fill b. A reference is a map
// with a text key "rch" whose value is a text string and a key "port"
// whose value is an unsigned integer; at most maxRefs are kept.
func ScanCBOR(b []byte, maxRefs int) (Scan, error) {
	s := cborScanner{b: b, max: maxRefs}
	if err := s.item(0); err != nil {
		return s.out, err
	}
	if s.i != len(b) {
		return s.out, fmt.Errorf("%w: %d bytes after the item", ErrScan, len(b)-s.i)
	}
	return s.out, nil
}

type cborScanner struct {
	b   []byte
	i   int
	max int
	out Scan
}

func (s *cborScanner) fail(what string) error {
	return fmt.Errorf("%w: %s at byte %d", ErrScan, what, s.i)
}

// head reads an item's initial byte and argument. indef reports the
// indefinite-length marker (additional information 31).
func (s *cborScanner) head() (major byte, arg uint64, indef bool, err error) {
	if s.i >= len(s.b) {
		return 0, 0, false, s.fail("truncated")
	}
	c := s.b[s.i]
	s.i++
	major, ai := c>>5, c&31
	switch {
	case ai < 24:
		return major, uint64(ai), false, nil
	case ai == 31:
		return major, 0, true, nil
	case ai > 27:
		return 0, 0, false, s.fail("reserved additional information")
	}
	n := 1 << (ai - 24)
	if len(s.b)-s.i < n {
		return 0, 0, false, s.fail("truncated")
	}
	p := s.b[s.i : s.i+n]
	s.i += n
	switch n {
	case 1:
		arg = uint64(p[0])
	case 2:
		arg = uint64(binary.BigEndian.Uint16(p))
	case 4:
		arg = uint64(binary.BigEndian.Uint32(p))
	default:
		arg = binary.BigEndian.Uint64(p)
	}
	return major, arg, false, nil
}

// isBreak reports, and consumes, the break code that ends an indefinite
// container.
func (s *cborScanner) isBreak() bool {
	if s.i < len(s.b) && s.b[s.i] == 0xff {
		s.i++
		return true
	}
	return false
}

// item skips one data item, counting and collecting as it goes.
func (s *cborScanner) item(depth int) error {
	if depth > maxScanDepth {
		return s.fail("nested too deep")
	}
	major, arg, indef, err := s.head()
	if err != nil {
		return err
	}
	switch major {
	case 0, 1:
		if indef {
			return s.fail("indefinite integer")
		}
		s.out.Scalars++
		return nil
	case 2, 3:
		s.out.Scalars++
		_, err := s.str(major, arg, indef)
		return err
	case 4:
		s.out.Containers++
		return s.array(arg, indef, depth)
	case 5:
		s.out.Containers++
		return s.mapItem(arg, indef, depth)
	case 6:
		if indef {
			return s.fail("indefinite tag")
		}
		return s.item(depth + 1)
	}
	// major 7: simple values and floats; the argument was the payload.
	if indef {
		return s.fail("unexpected break")
	}
	s.out.Scalars++
	return nil
}

// str skips a byte or text string whose head was read, and returns its
// bytes when it is definite (nil for an indefinite one).
func (s *cborScanner) str(major byte, arg uint64, indef bool) ([]byte, error) {
	if !indef {
		if arg > uint64(len(s.b)-s.i) {
			return nil, s.fail("string longer than the item")
		}
		p := s.b[s.i : s.i+int(arg)]
		s.i += int(arg)
		return p, nil
	}
	for !s.isBreak() {
		m, n, ind, err := s.head()
		if err != nil {
			return nil, err
		}
		if m != major || ind {
			return nil, s.fail("bad chunk of an indefinite string")
		}
		if n > uint64(len(s.b)-s.i) {
			return nil, s.fail("string longer than the item")
		}
		s.i += int(n)
	}
	return nil, nil
}

func (s *cborScanner) array(n uint64, indef bool, depth int) error {
	if !indef && n > uint64(len(s.b)-s.i) {
		return s.fail("array longer than the item")
	}
	for k := uint64(0); indef || k < n; k++ {
		if indef && s.isBreak() {
			return nil
		}
		if err := s.item(depth + 1); err != nil {
			return err
		}
	}
	return nil
}

// mapItem skips a map, and records it as a reference when it has one.
func (s *cborScanner) mapItem(n uint64, indef bool, depth int) error {
	if !indef && n > uint64(len(s.b)-s.i)/2 {
		return s.fail("map longer than the item")
	}
	var kind []byte
	var port uint64
	var hasKind, hasPort bool
	for k := uint64(0); indef || k < n; k++ {
		if indef && s.isBreak() {
			break
		}
		key, err := s.key(depth)
		if err != nil {
			return err
		}
		switch {
		case string(key) == "rch" && s.peekMajor() == 3:
			s.out.Scalars++
			m, arg, ind, err := s.head()
			if err != nil {
				return err
			}
			if kind, err = s.str(m, arg, ind); err != nil {
				return err
			}
			hasKind = kind != nil
		case string(key) == "port" && s.peekMajor() == 0:
			s.out.Scalars++
			_, arg, ind, err := s.head()
			if err != nil || ind {
				return s.fail("bad port")
			}
			port, hasPort = arg, true
		default:
			if err := s.item(depth + 1); err != nil {
				return err
			}
		}
	}
	if hasKind && hasPort {
		s.ref(kind, port)
	}
	return nil
}

// key skips a map key and returns it when it is a definite text string
// (nil otherwise).
func (s *cborScanner) key(depth int) ([]byte, error) {
	if s.peekMajor() != 3 {
		return nil, s.item(depth + 1)
	}
	s.out.Scalars++
	m, arg, indef, err := s.head()
	if err != nil {
		return nil, err
	}
	return s.str(m, arg, indef)
}

func (s *cborScanner) peekMajor() byte {
	if s.i >= len(s.b) {
		return 0xff
	}
	return s.b[s.i] >> 5
}

func (s *cborScanner) ref(kind []byte, port uint64) {
	r := Ref{Port: uint32(port)}
	if port > math.MaxUint32 || len(kind) == 0 || len(kind) > MaxKind || port == 0 {
		return
	}
	s.out.NumRefs++
	if len(s.out.Refs) < s.max {
		r.Kind = string(kind)
		s.out.Refs = append(s.out.Refs, r)
	}
}

// ScanJSON scans one JSON value that must fill b (surrounding white space
// aside). A reference is an object with a key "rch" whose value is a
// string and a key "port" whose value is an integer; at most maxRefs are
// kept.
func ScanJSON(b []byte, maxRefs int) (Scan, error) {
	s := jsonScanner{b: b, max: maxRefs}
	s.space()
	if err := s.value(0); err != nil {
		return s.out, err
	}
	s.space()
	if s.i != len(b) {
		return s.out, s.fail("text after the value")
	}
	return s.out, nil
}

type jsonScanner struct {
	b   []byte
	i   int
	max int
	out Scan
}

func (s *jsonScanner) fail(what string) error {
	return fmt.Errorf("%w: %s at byte %d", ErrScan, what, s.i)
}

func (s *jsonScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *jsonScanner) value(depth int) error {
	if depth > maxScanDepth {
		return s.fail("nested too deep")
	}
	if s.i >= len(s.b) {
		return s.fail("truncated")
	}
	switch c := s.b[s.i]; {
	case c == '{':
		s.out.Containers++
		return s.object(depth)
	case c == '[':
		s.out.Containers++
		return s.array(depth)
	case c == '"':
		s.out.Scalars++
		_, _, err := s.str()
		return err
	case c == '-' || c >= '0' && c <= '9':
		s.out.Scalars++
		_, err := s.number()
		return err
	}
	for _, lit := range []string{"true", "false", "null"} {
		if len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit {
			s.i += len(lit)
			s.out.Scalars++
			return nil
		}
	}
	return s.fail("unexpected character")
}

func (s *jsonScanner) array(depth int) error {
	s.i++ // [
	s.space()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		return nil
	}
	for {
		s.space()
		if err := s.value(depth + 1); err != nil {
			return err
		}
		s.space()
		if s.i >= len(s.b) {
			return s.fail("truncated")
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return s.fail("expected , or ]")
		}
	}
}

// object skips an object, and records it as a reference when it has one.
func (s *jsonScanner) object(depth int) error {
	s.i++ // {
	var kind []byte
	var kindEsc bool
	var port uint64
	var hasKind, hasPort bool
	s.space()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return nil
	}
	for {
		s.space()
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return s.fail("expected a key")
		}
		s.out.Scalars++
		key, esc, err := s.str()
		if err != nil {
			return err
		}
		s.space()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return s.fail("expected :")
		}
		s.i++
		s.space()
		var buf [32]byte
		name := keyName(buf[:0], key, esc)
		switch {
		case string(name) == "rch" && s.i < len(s.b) && s.b[s.i] == '"':
			s.out.Scalars++
			if kind, kindEsc, err = s.str(); err != nil {
				return err
			}
			hasKind = true
		case string(name) == "port" && s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9':
			s.out.Scalars++
			n, err := s.number()
			if err != nil {
				return err
			}
			port, hasPort = n, n != math.MaxUint64
		default:
			if err := s.value(depth + 1); err != nil {
				return err
			}
		}
		s.space()
		if s.i >= len(s.b) {
			return s.fail("truncated")
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			if hasKind && hasPort {
				s.ref(kind, kindEsc, port)
			}
			return nil
		default:
			return s.fail("expected , or }")
		}
	}
}

// keyName returns a key's text, unescaped into buf when it has escapes:
// "rch" may be written "\u0072ch", and encoding/json would read it so.
// Long escaped keys are not those of a reference.
func keyName(buf, raw []byte, esc bool) []byte {
	if !esc {
		return raw
	}
	if len(raw) > 32 {
		return nil
	}
	out, ok := unescape(buf, raw)
	if !ok {
		return nil
	}
	return out
}

// str skips a string and returns its raw contents (between the quotes)
// and whether they hold escapes.
func (s *jsonScanner) str() ([]byte, bool, error) {
	s.i++ // "
	start, esc := s.i, false
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '"':
			raw := s.b[start:s.i]
			s.i++
			return raw, esc, nil
		case c == '\\':
			esc = true
			s.i += 2
		case c < 0x20:
			return nil, false, s.fail("control character in a string")
		default:
			s.i++
		}
	}
	return nil, false, s.fail("unterminated string")
}

// number skips a number and returns its value when it is a plain
// unsigned integer (math.MaxUint64 otherwise).
func (s *jsonScanner) number() (uint64, error) {
	start := s.i
	if s.b[s.i] == '-' {
		s.i++
	}
	digits := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	if s.i == digits {
		return 0, s.fail("bad number")
	}
	plain := s.b[start] != '-'
	if s.i < len(s.b) && s.b[s.i] == '.' {
		plain = false
		s.i++
		if !s.digits() {
			return 0, s.fail("bad number")
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		plain = false
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if !s.digits() {
			return 0, s.fail("bad number")
		}
	}
	if !plain {
		return math.MaxUint64, nil
	}
	var n uint64
	for _, c := range s.b[start:s.i] {
		d := uint64(c - '0')
		if n > (math.MaxUint64-1-d)/10 {
			return math.MaxUint64, nil // too large for a port anyway
		}
		n = n*10 + d
	}
	return n, nil
}

func (s *jsonScanner) digits() bool {
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}

func (s *jsonScanner) ref(kind []byte, esc bool, port uint64) {
	if port == 0 || port > math.MaxUint32 {
		return
	}
	name := kind
	if esc {
		var ok bool
		if name, ok = unescape(nil, kind); !ok {
			return
		}
	}
	if len(name) == 0 || len(name) > MaxKind {
		return
	}
	s.out.NumRefs++
	if len(s.out.Refs) < s.max {
		s.out.Refs = append(s.out.Refs, Ref{Kind: string(name), Port: uint32(port)})
	}
}

// unescape appends the text of a JSON string's raw contents to dst.
func unescape(dst, raw []byte) ([]byte, bool) {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		if i+1 >= len(raw) {
			return dst, false
		}
		i++
		switch raw[i] {
		case '"', '\\', '/':
			dst = append(dst, raw[i])
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, n, ok := hex4(raw[i+1:])
			if !ok {
				return dst, false
			}
			i += n
			if utf16.IsSurrogate(r) {
				if len(raw) > i+2 && raw[i+1] == '\\' && raw[i+2] == 'u' {
					if r2, n2, ok := hex4(raw[i+3:]); ok {
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							r, i = d, i+2+n2
						}
					}
				}
			}
			dst = utf8.AppendRune(dst, r)
		default:
			return dst, false
		}
	}
	return dst, true
}

// hex4 reads the 4 hex digits of a \u escape.
func hex4(p []byte) (rune, int, bool) {
	if len(p) < 4 {
		return 0, 0, false
	}
	var r rune
	for _, c := range p[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, 0, false
		}
	}
	return r, 4, true
}
