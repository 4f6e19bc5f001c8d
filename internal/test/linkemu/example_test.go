package linkemu_test

import (
	"fmt"
	"io"
	"time"

	"github.com/telechan/telechan/internal/test/linkemu"
)

// A 4G-like pipe: the message arrives no sooner than the one-way delay.
func ExamplePipe() {
	a, b := linkemu.Pipe(linkemu.FourG)
	defer a.Close()
	defer b.Close()

	start := time.Now()
	if _, err := a.Write([]byte("ping")); err != nil { // returns once queued
		fmt.Println(err)
		return
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(b, buf); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(buf), time.Since(start) >= linkemu.FourG.Delay)
	// Output: ping true
}
