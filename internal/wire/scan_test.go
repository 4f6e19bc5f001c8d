package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

// oracle finds the references of b the slow way: decoded into `any`.
func oracle(t testing.TB, b []byte, isCBOR bool) ([]Ref, bool) {
	var v any
	var err error
	if isCBOR {
		dm, _ := cbor.DecOptions{DefaultMapType: mapType, DupMapKey: cbor.DupMapKeyEnforcedAPF, MaxNestedLevels: maxScanDepth}.DecMode()
		err = dm.Unmarshal(b, &v)
	} else {
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		err = d.Decode(&v)
		v = fromNumbers(v)
	}
	if err != nil {
		return nil, false
	}
	return FindRefs(v), true
}

// fromNumbers turns json.Numbers that are plain integers into uint64 and
// drops the others, as the scanner sees ports.
func fromNumbers(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = fromNumbers(e)
		}
	case []any:
		for i, e := range v {
			v[i] = fromNumbers(e)
		}
	case json.Number:
		if strings.ContainsAny(string(v), ".eE-") {
			return nil
		}
		var n uint64
		if err := json.Unmarshal([]byte(v), &n); err != nil {
			return nil
		}
		return n
	}
	return v
}

var mapType = reflect.TypeOf(map[string]any(nil))

func sortRefs(r []Ref) []Ref {
	slices.SortFunc(r, func(a, b Ref) int {
		if a.Port != b.Port {
			return int(a.Port) - int(b.Port)
		}
		return strings.Compare(a.Kind, b.Kind)
	})
	return r
}

type carrier struct {
	Text string         `json:"text" cbor:"text"`
	Refs []Ref          `json:"refs" cbor:"refs"`
	Deep map[string]any `json:"deep" cbor:"deep"`
}

func sample() carrier {
	return carrier{
		Text: "hello",
		Refs: []Ref{{Kind: "mpsc.Sender", Port: 7, Cap: 16}, {Kind: "bin.Reader", Port: 9, Size: 100}},
		Deep: map[string]any{"x": []any{map[string]any{"rch": "watch.Receiver", "port": 11}, 1.5, nil, true}},
	}
}

func TestScanFindsRefs(t *testing.T) {
	js, _ := json.Marshal(sample())
	cb, _ := cbor.Marshal(sample())
	want := []Ref{{Kind: "mpsc.Sender", Port: 7}, {Kind: "bin.Reader", Port: 9}, {Kind: "watch.Receiver", Port: 11}}
	for name, scan := range map[string]func() (Scan, error){
		"json": func() (Scan, error) { return ScanJSON(js, 10) },
		"cbor": func() (Scan, error) { return ScanCBOR(cb, 10) },
	} {
		s, err := scan()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := sortRefs(s.Refs); !slices.Equal(got, want) || s.NumRefs != 3 {
			t.Errorf("%s: refs %v (%d), want %v", name, got, s.NumRefs, want)
		}
		if s.Containers != 7 { // the struct, Refs, 2 refs, Deep, x, x's map
			t.Errorf("%s: %d containers, want 7", name, s.Containers)
		}
	}
}

func TestScanKeepsAtMostMax(t *testing.T) {
	refs := make([]Ref, 100)
	for i := range refs {
		refs[i] = Ref{Kind: "mpsc.Sender", Port: uint32(i + 1)}
	}
	js, _ := json.Marshal(refs)
	s, err := ScanJSON(js, 5)
	if err != nil || len(s.Refs) != 5 || s.NumRefs != 100 {
		t.Fatalf("kept %d of %d refs, %v", len(s.Refs), s.NumRefs, err)
	}
}

func TestScanJSONEscapedKey(t *testing.T) {
	s, err := ScanJSON([]byte(`{"\u0072ch":"mpsc.Sender","po\u0072t":3}`), 1)
	if err != nil || len(s.Refs) != 1 || s.Refs[0] != (Ref{Kind: "mpsc.Sender", Port: 3}) {
		t.Fatalf("escaped keys: %+v, %v", s, err)
	}
}

func TestScanRejectsMalformed(t *testing.T) {
	for _, b := range []string{`{"a":`, `[1,2`, `"abc`, `{"a" 1}`, `tru`, `[1]]`, `01x`} {
		if _, err := ScanJSON([]byte(b), 1); !errors.Is(err, ErrScan) {
			t.Errorf("ScanJSON(%q) = %v", b, err)
		}
	}
	for _, b := range [][]byte{{0x9f}, {0x5a, 0xff, 0xff, 0xff, 0xff}, {0x9b, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}, {0x1c}, {0xa1, 0x01}, {0xff}, {0x01, 0x02}} {
		if _, err := ScanCBOR(b, 1); !errors.Is(err, ErrScan) {
			t.Errorf("ScanCBOR(%x) = %v", b, err)
		}
	}
}

// TestScanAllocatesNothing: a hostile 4 MiB item of nested empty maps, the
// kind that cost a gigabyte when decoded into `any`, is scanned without a
// single allocation.
func TestScanAllocatesNothing(t *testing.T) {
	cb := bytes.Repeat([]byte{0xa0}, 4<<20) // empty maps...
	cb = append([]byte{0x9a, 0, 0x40, 0, 0}, cb...)
	js := []byte("[" + strings.Repeat("{},", 1<<20) + "{}]")
	for name, f := range map[string]func(){
		"cbor": func() {
			if _, err := ScanCBOR(cb, 8); err != nil {
				t.Fatal(err)
			}
		},
		"json": func() {
			if _, err := ScanJSON(js, 8); err != nil {
				t.Fatal(err)
			}
		},
	} {
		if n := testing.AllocsPerRun(3, f); n != 0 {
			t.Errorf("%s: %v allocations", name, n)
		}
	}
}

// FuzzScan: the scanners never panic, and on every item the codecs can
// decode they find every reference decoding into `any` finds.
func FuzzScan(f *testing.F) {
	js, _ := json.Marshal(sample())
	cb, _ := cbor.Marshal(sample())
	f.Add(js, false)
	f.Add(cb, true)
	f.Add([]byte(`[{"rch":"x","port":1},{"rch":"y","port":4294967296}]`), false)
	f.Add([]byte{0x9f, 0xa2, 0x63, 'r', 'c', 'h', 0x61, 'x', 0x64, 'p', 'o', 'r', 't', 0x01, 0xff}, true)
	f.Fuzz(func(t *testing.T, b []byte, isCBOR bool) {
		scan := ScanJSON
		if isCBOR {
			scan = ScanCBOR
		}
		s, err := scan(b, 1<<20)
		want, ok := oracle(t, b, isCBOR)
		if !ok || err != nil {
			return // the codec and the scanner may disagree on what is malformed
		}
		// Ports only: encoding/json replaces invalid UTF-8 in a kind,
		// and a rejection needs only the port. The scanner may find more:
		// under JSON a duplicate key hides the first value from the
		// decoder, and rejecting what it held is right.
		got := ports(s.Refs)
		for _, p := range ports(want) {
			if _, found := slices.BinarySearch(got, p); !found {
				t.Fatalf("scan found ports %v, decoding found %v", got, ports(want))
			}
		}
	})
}

func ports(refs []Ref) []uint32 {
	out := make([]uint32, len(refs))
	for i, r := range refs {
		out[i] = r.Port
	}
	slices.Sort(out)
	return out
}
