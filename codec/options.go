package codec

import "fmt"

// Decode limits used when a [CBOROptions] field is zero. They are fxamacker/cbor's own defaults,
// written out here so an upgrade of that library cannot loosen them silently.
const (
	defaultMaxNestedLevels  = 32
	defaultMaxArrayElements = 128 * 1024
	defaultMaxMapPairs      = 128 * 1024

	minMaxNestedLevels  = 4
	maxMaxNestedLevels  = 65535
	minMaxContainerSize = 16
	maxMaxContainerSize = 1<<31 - 1
)

// CBOROptions sets the decode limits of a CBOR codec made by [NewCBOR]. A nil *CBOROptions and
// every zero field mean the defaults, which are the limits of [CBOR].
//
// The limits bound what a hostile or buggy peer can make a decoder do with one message: how deep
// it recurses and how many elements it allocates. They do not bound the size of a message; the
// connection's maximum item size does that. Input that breaks a limit fails to decode with an
// error that matches [ErrDecode]; nothing is allocated for the oversized container.
type CBOROptions struct {
	// MaxNestedLevels is the deepest nesting of arrays, maps and tags accepted, counting the
	// outermost item as level 1. Zero means 32, in [4, 65535]. Each level costs decoder stack,
	// and ordinary messages (a struct holding a slice of structs holding a map) need fewer
	// than ten.
	MaxNestedLevels int

	// MaxArrayElements is the largest array accepted (a Go slice or array is a CBOR array,
	// except []byte, which is a byte string and has no element limit). Zero means 131072,
	// in [16, 2147483647]. Decoding n elements allocates n times the Go element size even when
	// each element is a single byte on the wire, so this bounds memory amplification. Send
	// bulk numeric data as []byte or over a byte channel instead of raising it.
	MaxArrayElements int

	// MaxMapPairs is the largest map accepted, counted in key/value pairs, and so also the
	// most fields a struct can receive. Zero means 131072, in [16, 2147483647].
	MaxMapPairs int
}

// withDefaults returns a copy of o with zero fields set to their defaults, or an error matching
// [ErrInvalidOptions] that names the first field out of range.
func (o *CBOROptions) withDefaults() (CBOROptions, error) {
	var c CBOROptions
	if o != nil {
		c = *o
	}
	if err := setLimit(&c.MaxNestedLevels, "MaxNestedLevels", defaultMaxNestedLevels, minMaxNestedLevels, maxMaxNestedLevels); err != nil {
		return c, err
	}
	if err := setLimit(&c.MaxArrayElements, "MaxArrayElements", defaultMaxArrayElements, minMaxContainerSize, maxMaxContainerSize); err != nil {
		return c, err
	}
	err := setLimit(&c.MaxMapPairs, "MaxMapPairs", defaultMaxMapPairs, minMaxContainerSize, maxMaxContainerSize)
	return c, err
}

// setLimit replaces a zero *v with def and checks that the result lies in [lo, hi].
func setLimit(v *int, name string, def, lo, hi int) error {
	if *v == 0 {
		*v = def
	}
	if *v < lo || *v > hi {
		return fmt.Errorf("%w: CBOROptions.%s is %d, want 0 (default %d) or a value in [%d, %d]",
			ErrInvalidOptions, name, *v, def, lo, hi)
	}
	return nil
}
