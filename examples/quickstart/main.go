package main

import (
	"context"
	"fmt"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/mpsc"
)

// Count asks the server to count to UpTo into Numbers.
type Count struct {
	UpTo    int
	Numbers *mpsc.Sender[int] // a channel half, sent inside the request
}

// serve runs on the server, once per connection.
func serve(ctx context.Context, sess *mux.Session) {
	base, err := rch.Connect[struct{}, Count](ctx, sess, nil)
	if err != nil {
		return
	}
	defer base.Close()
	for req, err := range base.All(ctx) {
		if err != nil {
			continue // one bad request; the loop ends when the client goes
		}
		for i := 1; i <= req.UpTo && req.Numbers.Send(ctx, i) == nil; i++ {
		}
		req.Numbers.Close()
	}
}

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	// ReadHeaderTimeout: a client that sends half a request must not hold
	// a goroutine forever.
	srv := &http.Server{Handler: mux.Handler(serve, nil), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()

	ctx := context.Background()
	sess, err := mux.Dial(ctx, "ws://"+ln.Addr().String(), nil)
	if err != nil {
		log.Fatal(err)
	}
	base, err := rch.Connect[Count, struct{}](ctx, sess, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer base.Close()
	numbers, received := mpsc.New[int](8)
	if err := base.Send(ctx, Count{UpTo: 3, Numbers: numbers}); err != nil {
		log.Fatal(err)
	}
	for n, err := range received.All(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("received", n)
	}
}
