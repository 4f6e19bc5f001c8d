package core

import (
	"context"
	"fmt"
	"io"
	"testing"
)

func TestAll(t *testing.T) {
	script := []error{nil, fmt.Errorf("%w: bad item", ErrDecode), nil, &LagError{Missed: 2}, nil, ErrDisconnected, nil}
	i := 0
	recv := func(context.Context) (int, error) {
		if i == len(script) {
			return 0, io.EOF
		}
		i++
		return i, script[i-1]
	}
	var vals, errs int
	for _, err := range All(context.Background(), recv) {
		if err != nil {
			errs++
		} else {
			vals++
		}
	}
	if vals != 3 || errs != 3 {
		t.Fatalf("got %d values and %d errors, want 3 and 3 (stopping at the disconnection)", vals, errs)
	}
	i = 0
	script = []error{nil, nil}
	n := 0
	for range All(context.Background(), recv) {
		n++
		break
	}
	if n != 1 || i != 1 {
		t.Fatalf("break did not stop the iterator: %d yields, %d receives", n, i)
	}
}
