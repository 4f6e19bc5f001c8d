package core

import (
	"runtime"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/telechan/telechan/codec"
	"github.com/telechan/telechan/internal/wire"
)

// plainMsg is a message type of the usual shape: no interface, no half.
type plainMsg struct {
	Text  string            `json:"text" cbor:"text"`
	Nums  []int64           `json:"nums" cbor:"nums"`
	Tags  map[string]string `json:"tags" cbor:"tags"`
	Items []struct {
		Name string  `json:"name" cbor:"name"`
		X    float64 `json:"x" cbor:"x"`
		Y    float64 `json:"y" cbor:"y"`
	} `json:"items" cbor:"items"`
}

// plainFactor bounds what decoding into plainMsg allocates, per byte of the
// item, plus plainConst. SECURITY.md quotes it.
const (
	plainFactor = 24
	plainConst  = 64 << 10
)

// allocated returns the bytes f allocates: the least the process's count
// grew over three runs, so that what another goroutine (the fuzzing
// engine's) allocated meanwhile does not count.
func allocated(f func()) int64 {
	least := int64(-1)
	var m runtime.MemStats
	for range 3 {
		runtime.ReadMemStats(&m) // exact, unlike runtime/metrics' running count
		before := m.TotalAlloc
		f()
		runtime.ReadMemStats(&m)
		if n := int64(m.TotalAlloc - before); least < 0 || n < least {
			least = n
		}
	}
	return least
}

// FuzzDecodeCost holds the decoding of any item to its bounds: into a type
// with interfaces, what it allocates never exceeds the estimate precheck
// refuses costly items by; into a plainMsg struct, plainFactor times the
// item's size plus plainConst. Both codecs.
func FuzzDecodeCost(f *testing.F) {
	seed, _ := cbor.Marshal(map[string]any{"text": "x", "nums": []int{1, 2, 3}, "tags": map[string]string{"a": "b"},
		"items": []map[string]any{{"name": "n", "x": 1.5}}})
	f.Add(seed, true)
	f.Add([]byte(`{"text":"x","nums":[1,2,3],"tags":{"a":"b"},"items":[{"name":"n","x":1.5},{}]}`), false)
	f.Add(append([]byte{0x9f}, append(make([]byte, 4096), 0xff)...), true)
	f.Add([]byte(`[[],[],{},{},{"a":{}},[[[[]]]]]`), false)
	f.Fuzz(func(t *testing.T, raw []byte, isCBOR bool) {
		cd, scan := codec.JSON, wire.ScanJSON
		if isCBOR {
			cd, scan = codec.CBOR, wire.ScanCBOR
		}
		s, err := scan(raw, 0)
		if err != nil {
			return
		}
		estimate := int64(len(raw)) + anyCostPerContainer*int64(s.Containers) + anyCostPerScalar*int64(s.Scalars)
		if n := allocated(func() { var v any; cd.Unmarshal(raw, &v) }); n > estimate+4096 {
			t.Fatalf("decoding %d bytes (%d containers, %d scalars) into any allocated %d bytes, estimate %d",
				len(raw), s.Containers, s.Scalars, n, estimate)
		}
		if n := allocated(func() { var v plainMsg; cd.Unmarshal(raw, &v) }); n > plainFactor*int64(len(raw))+plainConst {
			t.Fatalf("decoding %d bytes into a plainMsg struct allocated %d bytes", len(raw), n)
		}
	})
}
