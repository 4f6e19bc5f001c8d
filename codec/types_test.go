package codec_test

import (
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"
)

// Pose is a nested struct of RobotStatus.
type Pose struct {
	X     float64 `json:"x"`
	Y     float64 `json:"y"`
	Theta float64 `json:"theta,omitempty"`
}

// RobotStatus is the kind of message telechan carries most: plain fields with json tags.
type RobotStatus struct {
	Name      string         `json:"name"`
	Seq       uint64         `json:"seq"`
	Offset    int64          `json:"offset"`
	Battery   int8           `json:"battery"`
	Temp      float64        `json:"temp"`
	Speed     float32        `json:"speed"`
	Enabled   bool           `json:"enabled"`
	Pose      Pose           `json:"pose"`
	Goal      *Pose          `json:"goal,omitempty"`
	Faults    []string       `json:"faults,omitempty"`
	Counters  map[string]int `json:"counters,omitempty"`
	Thumbnail []byte         `json:"thumbnail,omitempty"`
	Stamp     time.Time      `json:"stamp"`
	Note      string         `json:"note,omitempty"`
	Internal  string         `json:"-"`
}

// stamp has nanoseconds and a zone offset that is neither UTC nor whole hours.
var stamp = time.Date(2024, time.March, 9, 17, 4, 5, 123456789, time.FixedZone("IST", 5*3600+30*60))

// fullStatus sets every field, with the extremes of each integer type.
func fullStatus() RobotStatus {
	return RobotStatus{
		Name:      "elmo ünïcode ✓",
		Seq:       math.MaxUint64,
		Offset:    math.MinInt64,
		Battery:   math.MinInt8,
		Temp:      -273.15,
		Speed:     1.5,
		Enabled:   true,
		Pose:      Pose{X: 0.1, Y: -2e300, Theta: math.Pi},
		Goal:      &Pose{X: 1, Y: math.SmallestNonzeroFloat64},
		Faults:    []string{"lidar", ""},
		Counters:  map[string]int{"max": math.MaxInt64, "min": math.MinInt64, "zero": 0},
		Thumbnail: []byte{0, 1, 2, 0xfe, 0xff},
		Stamp:     stamp,
		Note:      "<&>",
	}
}

// equal reports how got differs from want, or "" if they are equal. It is reflect.DeepEqual,
// except that times are equal when they are the same instant with the same zone offset.
func equal(got, want any) string {
	return diff("", reflect.ValueOf(got), reflect.ValueOf(want))
}

var timeType = reflect.TypeFor[time.Time]()

func diff(path string, g, w reflect.Value) string {
	if g.IsValid() != w.IsValid() || (g.IsValid() && g.Type() != w.Type()) {
		return fmt.Sprintf("%s: got %#v, want %#v", path, g, w)
	}
	if !g.IsValid() {
		return ""
	}
	if g.Type() == timeType {
		return diffTime(path, g.Interface().(time.Time), w.Interface().(time.Time))
	}
	switch g.Kind() {
	case reflect.Pointer, reflect.Interface:
		if g.IsNil() || w.IsNil() {
			break
		}
		return diff(path, g.Elem(), w.Elem())
	case reflect.Struct:
		if !allExported(g.Type()) {
			break // such as netip.Addr: compare whole
		}
		for i := range g.NumField() {
			if d := diff(path+"."+g.Type().Field(i).Name, g.Field(i), w.Field(i)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Slice, reflect.Map:
		if g.IsNil() != w.IsNil() {
			return fmt.Sprintf("%s: got %#v, want %#v (nil differs)", path, g, w)
		}
		if g.Type().Elem().Kind() == reflect.Struct || g.Type().Elem() == timeType {
			return diffElems(path, g, w)
		}
	}
	if !reflect.DeepEqual(g.Interface(), w.Interface()) {
		return fmt.Sprintf("%s: got %#v, want %#v", path, g, w)
	}
	return ""
}

func diffTime(path string, g, w time.Time) string {
	_, goff := g.Zone()
	_, woff := w.Zone()
	if !g.Equal(w) || goff != woff {
		return fmt.Sprintf("%s: got time %v, want %v", path, g, w)
	}
	return ""
}

func diffElems(path string, g, w reflect.Value) string {
	if g.Len() != w.Len() {
		return fmt.Sprintf("%s: got %d elements, want %d", path, g.Len(), w.Len())
	}
	if g.Kind() == reflect.Slice {
		for i := range g.Len() {
			if d := diff(fmt.Sprintf("%s[%d]", path, i), g.Index(i), w.Index(i)); d != "" {
				return d
			}
		}
		return ""
	}
	for _, k := range w.MapKeys() {
		if d := diff(fmt.Sprintf("%s[%v]", path, k), g.MapIndex(k), w.MapIndex(k)); d != "" {
			return d
		}
	}
	return ""
}

func allExported(t reflect.Type) bool {
	for i := range t.NumField() {
		if !t.Field(i).IsExported() {
			return false
		}
	}
	return true
}

func TestEqualHelper(t *testing.T) {
	a, b := fullStatus(), fullStatus()
	b.Stamp = b.Stamp.UTC()
	c := fullStatus()
	c.Counters["zero"] = 1
	d := fullStatus()
	d.Goal.X = 2
	for i, other := range []RobotStatus{b, c, d} {
		if equal(other, a) == "" {
			t.Errorf("case %d: equal reports no difference", i)
		}
	}
	if d := equal(fullStatus(), a); d != "" {
		t.Errorf("equal values differ: %s", d)
	}
}
