package core

import (
	"fmt"
	"reflect"
	"sync"
)

// The walk finds the channel halves inside a value, so that the connection
// can bind them before the value is encoded and after it is decoded. It
// follows what the codecs follow: exported struct fields (not those tagged
// "-"), pointers, interfaces, slices, arrays and map values. Which types can
// hold a half at all is worked out once per type and cached, so a type
// without halves costs one map lookup per message.

var handleType = reflect.TypeFor[holder]()

// maxWalkDepth bounds the walk of deeply nested or cyclic values.
const maxWalkDepth = 1000

// holders caches, per type, whether a value of it may hold a half.
var holders sync.Map // reflect.Type -> bool

// mayHold reports whether a value of type t may contain a channel half:
// t is a half, an interface, or reaches one of those.
func mayHold(t reflect.Type) bool {
	if v, ok := holders.Load(t); ok {
		return v.(bool)
	}
	seen := make(map[reflect.Type]bool)
	h := reaches(t, seen)
	holders.Store(t, h)
	return h
}

// reaches is a depth-first search over the types reachable from t. A type
// already on the path counts as holding nothing: a cycle adds no half that
// its members do not reach by another edge.
func reaches(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	if isHandle(t) {
		return true
	}
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return reaches(t.Elem(), seen)
	case reflect.Map:
		return reaches(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if f := t.Field(i); walked(f) && reaches(f.Type, seen) {
				return true
			}
		}
	}
	return false
}

// isHandle reports whether t, or a pointer to it, is a channel half.
func isHandle(t reflect.Type) bool {
	return t.Implements(handleType) || (t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(handleType))
}

// walked reports whether the codecs encode field f.
func walked(f reflect.StructField) bool {
	if !f.IsExported() && !f.Anonymous {
		return false
	}
	// As encoding/json and fxamacker/cbor: the tag "-" omits the field;
	// "-," names it "-". (walked runs for every field of every value
	// sent, so it allocates nothing.)
	return f.Tag.Get("json") != "-" && f.Tag.Get("cbor") != "-"
}

// walk calls visit for each channel half inside v.
func walk(v reflect.Value, visit func(*Port) error) error {
	return (&walker{visit: visit}).value(v, 0)
}

type walker struct {
	visit func(*Port) error
	// seen holds the pointers followed so far (a cycle ends there): the
	// first few in few, the rest in many, so that walking a call's request
	// or reply, with a pointer or two, allocates nothing.
	few  [4]uintptr
	nfew int
	many map[uintptr]bool
}

// see records p and reports whether it had been seen already.
func (w *walker) see(p uintptr) bool {
	for _, q := range w.few[:w.nfew] {
		if q == p {
			return true
		}
	}
	if w.many[p] {
		return true
	}
	if w.nfew < len(w.few) {
		w.few[w.nfew] = p
		w.nfew++
		return false
	}
	if w.many == nil {
		w.many = make(map[uintptr]bool)
	}
	w.many[p] = true
	return false
}

func (w *walker) value(v reflect.Value, depth int) error {
	if !v.IsValid() || !mayHold(v.Type()) {
		return nil
	}
	if depth > maxWalkDepth {
		return fmt.Errorf("rch: value nested deeper than %d levels", maxWalkDepth)
	}
	t := v.Type()
	if t.Implements(handleType) {
		if t.Kind() != reflect.Pointer {
			return fmt.Errorf("rch: a %s must be held by pointer (*%s)", t, t)
		}
		if v.IsNil() {
			return nil
		}
		if !v.CanInterface() {
			return fmt.Errorf("rch: a %s in an unexported field cannot be sent", t)
		}
		p := v.Interface().(holder).corePort()
		if p == nil {
			return errZero
		}
		return w.visit(p)
	}
	if t.Kind() == reflect.Struct && isHandle(t) {
		return fmt.Errorf("rch: a %s must be held by pointer (*%s)", t, t)
	}
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		if w.see(v.Pointer()) {
			return nil
		}
		return w.value(v.Elem(), depth+1)
	case reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return w.value(v.Elem(), depth+1)
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if err := w.value(v.Index(i), depth+1); err != nil {
				return err
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if err := w.value(it.Value(), depth+1); err != nil {
				return err
			}
		}
	case reflect.Struct:
		for i := range t.NumField() {
			if !walked(t.Field(i)) {
				continue
			}
			if err := w.value(v.Field(i), depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// interfaces caches, per type, whether decoding into it may fill an
// interface value (the costliest decode: every element becomes a map,
// slice or boxed scalar of its own).
var interfaces sync.Map // reflect.Type -> bool

// reachesInterface reports whether t is, or reaches through what the
// codecs decode into, an interface type. Channel halves are not followed:
// they decode as references.
func reachesInterface(t reflect.Type) bool {
	if v, ok := interfaces.Load(t); ok {
		return v.(bool)
	}
	r := findInterface(t, make(map[reflect.Type]bool))
	interfaces.Store(t, r)
	return r
}

func findInterface(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] || isHandle(t) {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return findInterface(t.Elem(), seen)
	case reflect.Map:
		return findInterface(t.Key(), seen) || findInterface(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if f := t.Field(i); walked(f) && findInterface(f.Type, seen) {
				return true
			}
		}
	}
	return false
}
