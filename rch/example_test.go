package rch_test

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/mpsc"
)

// CountRequest asks the peer to count up to UpTo into Seq.
type CountRequest struct {
	UpTo int               `json:"up_to"`
	Seq  *mpsc.Sender[int] `json:"seq"`
}

// The client sends the sending half of a local channel inside a request;
// the server counts into it; the client reads until io.EOF.
func Example() {
	ctx := context.Background()
	clientSess, serverSess := mux.Pipe(nil) // or mux.Dial and mux.Handler

	go func() {
		base, err := rch.Connect[struct{}, CountRequest](ctx, serverSess, nil)
		if err != nil {
			return
		}
		defer base.Close()
		req, err := base.Recv(ctx)
		if err != nil {
			return
		}
		for i := 1; i <= req.UpTo; i++ {
			req.Seq.Send(ctx, i)
		}
		req.Seq.Close()
		base.Recv(ctx) // wait for the client to hang up
	}()

	base, err := rch.Connect[CountRequest, struct{}](ctx, clientSess, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer base.Close()
	tx, rx := mpsc.New[int](16)
	base.Send(ctx, CountRequest{UpTo: 4, Seq: tx})
	for {
		v, err := rx.Recv(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		fmt.Println(v)
	}
	// Output:
	// 1
	// 2
	// 3
	// 4
}

// An error tells a sender why it can no longer send.
func ExampleErrClosed() {
	ctx := context.Background()
	tx, rx := mpsc.New[string](1)
	rx.Close()
	err := tx.Send(ctx, "hello?")
	fmt.Println(errors.Is(err, rch.ErrClosed))
	// Output: true
}
