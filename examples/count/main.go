// Command count is the smallest telechan program that does real work: a
// server and a client over a real WebSocket on loopback. The client sends a
// request holding the sending half of a local channel and a oneshot for the
// reply; the server counts into the channel and answers.
//
// With no flags it runs both sides in one process. To run them as two
// processes:
//
//	go run ./examples/count -serve 127.0.0.1:8080
//	go run ./examples/count -connect ws://127.0.0.1:8080/count
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/mpsc"
	"github.com/telechan/telechan/rch/oneshot"
)

// out is where the program tells what happens; tests replace it.
var out io.Writer = os.Stdout

// Request asks the server to count from 1 to UpTo into Numbers and to say
// how long that took on Done.
type Request struct {
	UpTo    int                            `json:"up_to"`
	Numbers *mpsc.Sender[int]              `json:"numbers"`
	Done    *oneshot.Sender[time.Duration] `json:"done"`
}

func main() {
	serve := flag.String("serve", "", "only serve on this address")
	connect := flag.String("connect", "", "only connect to this ws:// URL")
	upTo := flag.Int("n", 5, "count up to this")
	flag.Parse()
	log.SetFlags(0)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var err error
	switch {
	case *serve != "":
		err = runServer(*serve)
	case *connect != "":
		err = runClient(ctx, *connect, *upTo)
	default:
		err = runBoth(ctx, *upTo)
	}
	if err != nil {
		log.Fatal(err)
	}
}

// handler serves one connection: it answers requests until the client
// hangs up.
func handler(ctx context.Context, sess *mux.Session) {
	base, err := rch.Connect[struct{}, Request](ctx, sess, nil)
	if err != nil {
		log.Printf("server: handshake: %v", err)
		return
	}
	defer base.Close()
	for {
		req, err := base.Recv(ctx)
		if err != nil {
			return
		}
		start := time.Now()
		for i := 1; i <= req.UpTo; i++ {
			if err := req.Numbers.Send(ctx, i); err != nil {
				log.Printf("server: %v", err)
				break
			}
		}
		req.Numbers.Close()
		req.Done.Send(time.Since(start))
	}
}

func runServer(addr string) error {
	mx := http.NewServeMux()
	mx.Handle("/count", mux.Handler(handler, nil))
	fmt.Fprintf(out, "serving on ws://%s/count\n", addr)
	srv := &http.Server{Addr: addr, Handler: mx, ReadHeaderTimeout: 10 * time.Second}
	return srv.ListenAndServe()
}

func runClient(ctx context.Context, url string, upTo int) error {
	sess, err := mux.Dial(ctx, url, nil)
	if err != nil {
		return err
	}
	base, err := rch.Connect[Request, struct{}](ctx, sess, nil)
	if err != nil {
		return err
	}
	defer base.Close()
	fmt.Fprintf(out, "client: connected to %s (codec %s)\n", url, base.Codec())
	numbers, counted := mpsc.New[int](16)
	done, took := oneshot.New[time.Duration]()
	if err := base.Send(ctx, Request{UpTo: upTo, Numbers: numbers, Done: done}); err != nil {
		return err
	}
	fmt.Fprintf(out, "client: asked the server to count to %d into a channel sent along with the request\n", upTo)
	for {
		n, err := counted.Recv(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "client: received %d\n", n)
	}
	d, err := took.Recv(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "client: the server closed the channel and replied on a oneshot: counting took %v\n", d.Round(time.Microsecond))
	return nil
}

func runBoth(ctx context.Context, upTo int) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux.Handler(handler, nil), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	fmt.Fprintf(out, "server: listening on ws://%s/count\n", ln.Addr())
	if err := runClient(ctx, "ws://"+ln.Addr().String()+"/count", upTo); err != nil {
		return err
	}
	fmt.Fprintln(out, "done: one WebSocket carried the base channel, the counting channel and the reply")
	return nil
}

func init() {
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: count [-serve addr | -connect url] [-n count]\n")
		flag.PrintDefaults()
	}
}
