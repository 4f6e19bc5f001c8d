package bin_test

import (
	"fmt"
	"io"
	"strings"

	"github.com/telechan/telechan/rch/bin"
)

// A Writer and a Reader are the two ends of a byte stream; either may be
// sent to a peer inside a message.
func Example() {
	w, r := bin.New()
	go func() {
		io.Copy(w, strings.NewReader("a camera frame"))
		w.Close()
	}()
	b, err := io.ReadAll(r)
	fmt.Printf("%s %v\n", b, err)
	// Output: a camera frame <nil>
}
