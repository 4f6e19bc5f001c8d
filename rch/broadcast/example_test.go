package broadcast_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/telechan/telechan/rch/broadcast"
)

// A subscriber that falls behind learns how many values it missed.
func Example() {
	ctx := context.Background()
	tx, rx := broadcast.New[int](2)
	for i := 1; i <= 5; i++ {
		tx.Send(i)
	}
	tx.Close()
	for {
		v, err := rx.Recv(ctx)
		var lag *broadcast.LagError
		switch {
		case errors.As(err, &lag):
			fmt.Println("missed", lag.Missed)
			continue
		case err != nil:
			fmt.Println(err)
			return
		}
		fmt.Println(v)
	}
	// Output:
	// missed 3
	// 4
	// 5
	// EOF
}
