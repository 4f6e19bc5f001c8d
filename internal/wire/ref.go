package wire

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// MaxKind bounds the length of a kind name in a reference.
const MaxKind = 64

// Ref is how a channel half is written inside a message: the kind of half
// the receiver gets, the port it claims by opening a stream, and the
// buffer capacity the sender chose (zero when the kind has none).
//
// Under JSON it is the object {"rch":"mpsc.Sender","port":7,"cap":16};
// under CBOR the same map with text keys.
type Ref struct {
	Kind string `json:"rch" cbor:"rch"`
	Port uint32 `json:"port" cbor:"port"`
	Cap  uint32 `json:"cap,omitempty" cbor:"cap,omitempty"`
	// Size is the length announced for a sized byte stream; zero for
	// everything else.
	Size int64 `json:"size,omitempty" cbor:"size,omitempty"`
}

// ErrRef reports a malformed reference.
var ErrRef = errors.New("wire: malformed channel reference")

// Check validates a decoded reference.
func (r Ref) Check() error {
	switch {
	case r.Kind == "" || len(r.Kind) > MaxKind:
		return fmt.Errorf("%w: kind %q", ErrRef, r.Kind)
	case r.Port == 0:
		return fmt.Errorf("%w: port 0", ErrRef)
	case r.Size < 0:
		return fmt.Errorf("%w: size %d", ErrRef, r.Size)
	}
	return nil
}

// MarshalJSON writes r in its JSON form.
func (r Ref) MarshalJSON() ([]byte, error) {
	type plain Ref
	return json.Marshal(plain(r))
}

// UnmarshalJSON reads r from its JSON form and checks it.
func (r *Ref) UnmarshalJSON(b []byte) error {
	type plain Ref
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("%w: %v", ErrRef, err)
	}
	*r = Ref(p)
	return r.Check()
}

var refEnc, refDec = func() (cbor.EncMode, cbor.DecMode) {
	em, err := cbor.EncOptions{}.EncMode()
	if err != nil {
		panic(err)
	}
	dm, err := cbor.DecOptions{
		DupMapKey:       cbor.DupMapKeyEnforcedAPF,
		MaxNestedLevels: 4,
		MaxMapPairs:     16,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return em, dm
}()

// MarshalCBOR writes r in its CBOR form.
func (r Ref) MarshalCBOR() ([]byte, error) {
	type plain Ref
	return refEnc.Marshal(plain(r))
}

// UnmarshalCBOR reads r from its CBOR form and checks it.
func (r *Ref) UnmarshalCBOR(b []byte) error {
	type plain Ref
	var p plain
	if err := refDec.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("%w: %v", ErrRef, err)
	}
	*r = Ref(p)
	return r.Check()
}
