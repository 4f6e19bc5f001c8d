package oneshot_test

import (
	"context"
	"fmt"

	"github.com/telechan/telechan/rch/oneshot"
)

func Example() {
	ctx := context.Background()
	tx, rx := oneshot.New[string]()
	go tx.Send("pong")
	v, err := rx.Recv(ctx)
	fmt.Println(v, err)
	// Output: pong <nil>
}

func ExampleSender_Close() {
	tx, rx := oneshot.New[int]()
	tx.Close()
	_, err := rx.Recv(context.Background())
	fmt.Println(err)
	// Output: oneshot: sender closed without sending a value
}
