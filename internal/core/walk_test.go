package core

import (
	"reflect"
	"strings"
	"testing"
)

// testHalf is a minimal channel testHalf for walk tests.
type testHalf struct {
	Handle
	p Port
}

func newTestHalf() *testHalf {
	h := new(testHalf)
	h.Handle = HandleOf(&h.p)
	return h
}

type plain struct {
	A int
	B []string
	C map[string]float64
	D *plain
}

type list struct {
	Next *list
	H    *testHalf
}

type hidden struct {
	//lint:ignore U1000 an unexported testHalf is what the walk must skip
	h *testHalf
	H *testHalf `json:"-"`
}

type byValue struct {
	H testHalf
}

// dashed holds halves in fields the codecs encode: "-," names a field
// "-", it does not omit it.
type dashed struct {
	//lint:ignore SA5008 the tag "-," is the case under test
	J *testHalf `json:"-,"`
	C *testHalf `cbor:"-,omitempty"`
}

func TestMayHold(t *testing.T) {
	for _, c := range []struct {
		v    any
		want bool
	}{
		{0, false},
		{"", false},
		{plain{}, false},
		{[]plain{}, false},
		{&testHalf{}, true},
		{list{}, true},
		{map[string]*testHalf{}, true},
		{[]any{}, true},
		{hidden{}, false},
		{dashed{}, true},
	} {
		if got := mayHold(reflect.TypeOf(c.v)); got != c.want {
			t.Errorf("mayHold(%T) = %v, want %v", c.v, got, c.want)
		}
	}
}

func TestWalkFindsHalves(t *testing.T) {
	a, b, c := newTestHalf(), newTestHalf(), newTestHalf()
	l := &list{H: a, Next: &list{H: b, Next: &list{}}}
	l.Next.Next.Next = l // a cycle
	v := map[string]any{"list": l, "more": []any{c, nil}}
	var found []*Port
	err := walk(reflect.ValueOf(v), func(p *Port) error {
		found = append(found, p)
		return nil
	})
	if err != nil || len(found) != 3 {
		t.Fatalf("walk found %d halves, err %v; want 3", len(found), err)
	}
}

func TestWalkRejectsHalfByValue(t *testing.T) {
	err := walk(reflect.ValueOf(byValue{}), func(*Port) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "by pointer") {
		t.Fatalf("walk of a testHalf held by value: %v", err)
	}
}

func TestWalkCostsNothingWithoutHalves(t *testing.T) {
	v := reflect.ValueOf(plain{A: 1, B: []string{"x"}, D: &plain{}})
	mayHold(v.Type())
	allocs := testing.AllocsPerRun(100, func() {
		walk(v, func(*Port) error { panic("no testHalf here") })
	})
	if allocs > 1 {
		t.Fatalf("walk of a type without halves allocates %v times", allocs)
	}
}

// TestWalkOfHalvesAllocatesNothing: looking for halves in a value that
// holds some reads each field's tags without splitting them and keeps
// the first pointers it follows inline, so walking a call's request or
// reply allocates nothing.
func TestWalkOfHalvesAllocatesNothing(t *testing.T) {
	v := reflect.ValueOf(&dashed{J: newTestHalf(), C: newTestHalf()})
	found := 0
	allocs := testing.AllocsPerRun(100, func() {
		found = 0
		walk(v, func(*Port) error { found++; return nil })
	})
	if found != 2 {
		t.Fatalf("walk found %d halves in fields tagged \"-,\", want 2", found)
	}
	if allocs > 0 {
		t.Fatalf("walk of a value with halves allocates %v times", allocs)
	}
}

// TestWalkLongCycle: a cycle of more pointers than the walker keeps
// inline is followed once around.
func TestWalkLongCycle(t *testing.T) {
	first := &list{H: newTestHalf()}
	l := first
	for range 9 {
		l.Next = &list{H: newTestHalf()}
		l = l.Next
	}
	l.Next = first
	found := 0
	walk(reflect.ValueOf(first), func(*Port) error { found++; return nil })
	if found != 10 {
		t.Fatalf("walk found %d halves around a cycle of 10, want 10", found)
	}
}
