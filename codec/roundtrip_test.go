package codec_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"math"
	"math/big"
	"net/netip"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/telechan/telechan/codec"
)

var codecs = []codec.Codec{codec.JSON, codec.CBOR}

// Embedded is flattened into its parent by both codecs.
type Embedded struct {
	Kind string `json:"kind"`
}

type withEmbedded struct {
	Embedded
	Deadline time.Time `json:"deadline,omitzero"`
	Where    netip.Addr
}

// roundTripCases are values that must come back equal (see equal) under every codec.
var roundTripCases = []struct {
	name string
	in   any
}{
	{"status", fullStatus()},
	{"zero status", RobotStatus{}},
	{"pointer to status", ptr(fullStatus())},
	{"min int64", int64(math.MinInt64)},
	{"max int64", int64(math.MaxInt64)},
	{"max uint64", uint64(math.MaxUint64)},
	{"float64", []float64{0, math.Copysign(0, -1), 0.1, 1.5, 65504, math.MaxFloat64, math.SmallestNonzeroFloat64, float64(1<<53 + 1)}},
	{"float32", []float32{0.1, 1.5, math.MaxFloat32}},
	{"bytes", []byte{0, 0xff, '"', '\\'}},
	{"empty bytes", []byte{}},
	{"nil bytes", []byte(nil)},
	{"string", "tab\t quote\" nul\x00 emoji 🤖"},
	{"time", stamp},
	{"time west", time.Date(1969, 12, 31, 23, 59, 59, 1, time.FixedZone("", -(9*3600+45*60)))},
	{"time utc", time.Date(2000, 1, 1, 0, 0, 0, 999999999, time.UTC)},
	{"time zero", time.Time{}},
	{"map", map[string]int{"a": 1, "b": -1, "": 0}},
	{"map of pointers", map[string]*Pose{"home": {X: 1}, "none": nil}},
	{"slice of structs", []Pose{{X: 1}, {Y: 2}}},
	{"times", []time.Time{stamp, stamp.UTC(), {}}},
	{"nil pointer", (*Pose)(nil)},
	{"embedded and text marshaler", withEmbedded{Embedded{"k"}, stamp, netip.MustParseAddr("fe80::1%eth0")}},
	{"omitzero zero", withEmbedded{}},
}

func ptr[T any](v T) *T { return &v }

func TestRoundTrip(t *testing.T) {
	for _, c := range codecs {
		for _, tc := range roundTripCases {
			t.Run(c.Name()+"/"+tc.name, func(t *testing.T) {
				b, err := c.Marshal(tc.in)
				if err != nil {
					t.Fatalf("Marshal: %v", err)
				}
				out := reflect.New(reflect.TypeOf(tc.in))
				if err := c.Unmarshal(b, out.Interface()); err != nil {
					t.Fatalf("Unmarshal(%x): %v", b, err)
				}
				if d := equal(out.Elem().Interface(), tc.in); d != "" {
					t.Errorf("round trip changed the value: %s\nencoding: %q", d, b)
				}
			})
		}
	}
}

// TestRoundTripKeepsTime spells out the time guarantee: the instant to the nanosecond and the
// zone offset, but not the zone name.
func TestRoundTripKeepsTime(t *testing.T) {
	for _, c := range codecs {
		b, err := c.Marshal(stamp)
		if err != nil {
			t.Fatal(err)
		}
		var got time.Time
		if err := c.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		name, off := got.Zone()
		if !got.Equal(stamp) || got.Nanosecond() != 123456789 || off != 5*3600+30*60 {
			t.Errorf("%s: got %v (zone %q %d), want %v", c.Name(), got, name, off, stamp)
		}
	}
}

func TestOmitEmpty(t *testing.T) {
	for _, c := range codecs {
		b, err := c.Marshal(RobotStatus{Faults: []string{}, Counters: map[string]int{}, Internal: "x"})
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := c.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"goal", "faults", "counters", "thumbnail", "note", "Internal"} {
			if _, ok := m[k]; ok {
				t.Errorf("%s: key %q present, want omitted", c.Name(), k)
			}
		}
		// As under encoding/json, omitempty never drops a struct, even an empty one.
		for _, k := range []string{"name", "seq", "pose", "stamp"} {
			if _, ok := m[k]; !ok {
				t.Errorf("%s: key %q omitted, want present", c.Name(), k)
			}
		}
	}
}

// TestUnmarshalAny checks what each codec gives when decoding into an interface value.
func TestUnmarshalAny(t *testing.T) {
	in := fullStatus()
	in.Counters = map[string]int{"n": 7}
	want := map[string]map[string]any{
		"json": {
			"name": in.Name, "seq": float64(math.MaxUint64), "offset": float64(math.MinInt64),
			"battery": float64(-128), "temp": -273.15, "speed": 1.5, "enabled": true,
			"counters":  map[string]any{"n": float64(7)},
			"faults":    []any{"lidar", ""},
			"thumbnail": base64.StdEncoding.EncodeToString(in.Thumbnail),
			"stamp":     "2024-03-09T17:04:05.123456789+05:30",
			"goal":      map[string]any{"x": float64(1), "y": math.SmallestNonzeroFloat64},
		},
		"cbor": {
			"name": in.Name, "seq": *new(big.Int).SetUint64(math.MaxUint64), "offset": int64(math.MinInt64),
			"battery": int64(-128), "temp": -273.15, "speed": 1.5, "enabled": true,
			"counters":  map[string]any{"n": int64(7)},
			"faults":    []any{"lidar", ""},
			"thumbnail": in.Thumbnail,
			"stamp":     "2024-03-09T17:04:05.123456789+05:30",
			"goal":      map[string]any{"x": float64(1), "y": math.SmallestNonzeroFloat64},
		},
	}
	for _, c := range codecs {
		b, err := c.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		var got any
		if err := c.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		m, ok := got.(map[string]any)
		if !ok {
			t.Fatalf("%s: got %T, want map[string]any", c.Name(), got)
		}
		for k, w := range want[c.Name()] {
			if !reflect.DeepEqual(m[k], w) {
				t.Errorf("%s: [%q] = %#v (%T), want %#v (%T)", c.Name(), k, m[k], m[k], w, w)
			}
		}
	}
}

// TestStructTags checks the corners of json tags under both codecs.
func TestStructTags(t *testing.T) {
	type tagged struct {
		Renamed string `json:"renamed"`
		Skipped string `json:"-"`
		//lint:ignore SA5008 a field named "-" is the corner under test
		Dash  string `json:"-,"`
		Plain string
	}
	for _, c := range codecs {
		b, err := c.Marshal(tagged{"r", "s", "d", "p"})
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := c.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"renamed": "r", "-": "d", "Plain": "p"}
		if !reflect.DeepEqual(m, want) {
			t.Errorf("%s: keys %v, want %v", c.Name(), m, want)
		}
		// Keys match fields without regard to case, as in encoding/json; unknown keys are
		// ignored.
		b, err = c.Marshal(map[string]string{"RENAMED": "x", "plain": "y", "unknown": "z"})
		if err != nil {
			t.Fatal(err)
		}
		var got tagged
		if err := c.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if got != (tagged{Renamed: "x", Plain: "y"}) {
			t.Errorf("%s: got %+v", c.Name(), got)
		}
	}
}

// TestTagOptions checks omitzero and ",string", which CBOR reads but does not honour.
func TestTagOptions(t *testing.T) {
	type opts struct {
		Deadline time.Time `json:"deadline,omitzero"`
		ID       int64     `json:"id,string"`
	}
	want := map[string]map[string]any{
		"json": {"id": "42"},
		"cbor": {"id": int64(42)},
	}
	for _, c := range codecs {
		b, err := c.Marshal(opts{ID: 42})
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := c.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(m, want[c.Name()]) {
			t.Errorf("%s: got %#v, want %#v", c.Name(), m, want[c.Name()])
		}
		var out opts
		if err := c.Unmarshal(b, &out); err != nil || out != (opts{ID: 42}) {
			t.Errorf("%s: got %+v, %v", c.Name(), out, err)
		}
	}
}

// TestConcurrentUse runs codecs and the registry from many goroutines, for the race detector.
func TestConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			c := codecs[i%len(codecs)]
			for range 50 {
				b, err := c.Marshal(fullStatus())
				if err != nil {
					t.Error(err)
					return
				}
				var s RobotStatus
				if err := c.Unmarshal(b, &s); err != nil {
					t.Error(err)
					return
				}
				if _, ok := codec.Lookup(c.Name()); !ok || len(codec.Names()) < 2 {
					t.Error("registry lost a built-in codec")
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestCBORDeterministic checks that map keys are sorted, so equal values encode equally.
func TestCBORDeterministic(t *testing.T) {
	m := map[string]int{}
	for _, k := range strings.Fields("q w e r t y u i o p a s d f g h j k l z x c v b n m") {
		m[k] = len(m)
	}
	first, err := codec.CBOR.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		b, err := codec.CBOR.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, first) {
			t.Fatalf("encodings differ:\n%x\n%x", b, first)
		}
	}
}

func TestMarshalError(t *testing.T) {
	for _, c := range codecs {
		_, err := c.Marshal(make(chan int))
		if !errors.Is(err, codec.ErrEncode) {
			t.Errorf("%s: Marshal(chan) = %v, want ErrEncode", c.Name(), err)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "codec: encode "+c.Name()+": ") {
			t.Errorf("%s: message %q lacks the codec prefix", c.Name(), err)
		}
	}
	if _, err := codec.JSON.Marshal(math.NaN()); !errors.Is(err, codec.ErrEncode) {
		t.Errorf("JSON NaN: got %v, want ErrEncode", err)
	}
	if _, err := codec.CBOR.Marshal(math.NaN()); err != nil {
		t.Errorf("CBOR NaN: got %v, want success", err)
	}
}

func TestUnmarshalInvalidTarget(t *testing.T) {
	for _, c := range codecs {
		b, _ := c.Marshal(1)
		var n int
		for _, v := range []any{nil, n, (*int)(nil)} {
			if err := c.Unmarshal(b, v); !errors.Is(err, codec.ErrDecode) {
				t.Errorf("%s: Unmarshal into %#v = %v, want ErrDecode", c.Name(), v, err)
			}
		}
	}
}
