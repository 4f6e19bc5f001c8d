package mpsc_test

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/telechan/telechan/rch/mpsc"
)

// Two senders, one receiver: io.EOF comes once both are closed.
func ExampleSender_Clone() {
	ctx := context.Background()
	tx, rx := mpsc.New[string](4)
	tx2 := tx.Clone()
	tx.Send(ctx, "from one")
	tx.Close()
	tx2.Send(ctx, "from two")
	tx2.Close()
	for {
		v, err := rx.Recv(ctx)
		if errors.Is(err, io.EOF) {
			fmt.Println("end")
			return
		}
		fmt.Println(v)
	}
	// Output:
	// from one
	// from two
	// end
}

// Ready lets a receiver take part in a select statement.
func ExampleReceiver_Ready() {
	ctx := context.Background()
	tx, rx := mpsc.New[int](1)
	tx.Send(ctx, 42)
	select {
	case <-rx.Ready():
		v, _ := rx.Recv(ctx)
		fmt.Println(v)
	case <-ctx.Done():
	}
	// Output: 42
}

// All makes a receiver usable in a range loop.
func ExampleReceiver_All() {
	ctx := context.Background()
	tx, rx := mpsc.New[string](4)
	go func() {
		for _, w := range []string{"forward", "left", "stop"} {
			tx.Send(ctx, w)
		}
		tx.Close()
	}()
	for cmd, err := range rx.All(ctx) {
		if err != nil {
			fmt.Println("error:", err)
			break
		}
		fmt.Println(cmd)
	}
	// Output:
	// forward
	// left
	// stop
}
