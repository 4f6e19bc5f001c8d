package bench

import (
	"encoding/json"
	"slices"
)

// Result is one figure: a name such as "bulk.lan.c2s.mbps", its value
// (the median of its runs), its unit and the value of every run, in the
// order of its group's rounds. Its JSON form is the line benchrun prints.
type Result struct {
	Name  string    `json:"name"`
	Value float64   `json:"value"`
	Unit  string    `json:"unit"`
	Runs  []float64 `json:"runs,omitempty"`
}

// JSON returns r as one line of JSON, without the newline.
func (r Result) JSON() string {
	b, err := json.Marshal(r)
	if err != nil { // a float that JSON cannot hold: NaN or ±Inf
		b, _ = json.Marshal(Result{Name: r.Name, Value: -1, Unit: r.Unit, Runs: []float64{}})
	}
	return string(b)
}

// Units.
const (
	unitMbps   = "Mbit/s"
	unitRate   = "calls/s"
	unitMs     = "ms"
	unitNs     = "ns"
	unitUs     = "µs"
	unitBytes  = "bytes"
	unitCount  = "goroutines"
	unitAllocs = "allocs/call"
)

// median returns the median of vs (the mean of the middle two for an even
// count); vs must not be empty.
func median(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
