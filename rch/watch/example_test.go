package watch_test

import (
	"context"
	"fmt"

	"github.com/telechan/telechan/rch/watch"
)

type Status struct {
	Battery int `json:"battery"`
}

// A slow receiver skips values that were replaced before it looked, but
// always sees the last one.
func Example() {
	ctx := context.Background()
	tx, rx := watch.New(Status{Battery: 100})
	v, _ := rx.Recv(ctx)
	fmt.Println(v.Battery)
	tx.Send(Status{Battery: 99})
	tx.Send(Status{Battery: 98})
	tx.Close()
	v, _ = rx.Recv(ctx)
	fmt.Println(v.Battery)
	_, err := rx.Recv(ctx)
	fmt.Println(err)
	// Output:
	// 100
	// 98
	// EOF
}
