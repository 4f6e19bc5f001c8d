package wire

// FindRefs returns the references inside v, a value decoded into `any`:
// the slow way to find them, kept as the oracle the scanners are tested
// against.
func FindRefs(v any) []Ref {
	var refs []Ref
	findRefs(v, &refs, 0)
	return refs
}

func findRefs(v any, refs *[]Ref, depth int) {
	if depth > 64 {
		return
	}
	switch v := v.(type) {
	case map[string]any:
		if r, ok := refFromMap(v); ok {
			*refs = append(*refs, r)
			return
		}
		for _, e := range v {
			findRefs(e, refs, depth+1)
		}
	case map[any]any:
		for _, e := range v {
			findRefs(e, refs, depth+1)
		}
	case []any:
		for _, e := range v {
			findRefs(e, refs, depth+1)
		}
	}
}

func refFromMap(m map[string]any) (Ref, bool) {
	kind, ok := m["rch"].(string)
	if !ok {
		return Ref{}, false
	}
	var port uint64
	switch p := m["port"].(type) {
	case float64:
		port = uint64(p)
	case uint64:
		port = p
	case int64:
		port = uint64(p)
	default:
		return Ref{}, false
	}
	r := Ref{Kind: kind, Port: uint32(port)}
	if port > 1<<32-1 || r.Check() != nil {
		return Ref{}, false
	}
	return r, true
}
