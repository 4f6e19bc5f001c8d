package mux_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"strings"

	"github.com/telechan/telechan/mux"
)

// Two sessions joined in memory: the client opens a stream, writes, closes
// its side, and reads the server's answer.
func Example() {
	client, server := mux.Pipe(nil)
	defer client.Close()
	defer server.Close()
	ctx := context.Background()

	served := make(chan struct{})
	go func() { // the server answers each request in upper case
		defer close(served)
		st, err := server.Accept(ctx)
		if err != nil {
			return
		}
		req, _ := io.ReadAll(st) // until the client's half-close
		_, _ = st.Write(bytes.ToUpper(req))
		_ = st.Close()
	}()

	st, err := client.Open(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, _ = st.Write([]byte("hello, mux"))
	_ = st.Close() // half-close: we can still read
	reply, err := io.ReadAll(st)
	fmt.Printf("%s %v\n", reply, err)
	<-served
	// Output: HELLO, MUX <nil>
}

// A WebSocket server mounted at /mux that echoes every stream, and a client
// that dials it.
func ExampleHandler() {
	h := mux.Handler(func(ctx context.Context, s *mux.Session) {
		for { // ctx ends with the session; so does Accept
			st, err := s.Accept(ctx)
			if err != nil {
				return
			}
			go func() {
				_, _ = io.Copy(st, st)
				_ = st.Close()
			}()
		}
	}, nil)
	srv := httptest.NewServer(h) // in production: http.Handle("/mux", h)
	defer srv.Close()

	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	s, err := mux.Dial(context.Background(), url, &mux.Options{HTTPClient: srv.Client()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	st, err := s.Open(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	_, _ = st.Write([]byte("echo me"))
	_ = st.Close()
	reply, _ := io.ReadAll(st)
	fmt.Printf("%s\n", reply)
	// Output: echo me
}

// A session over any net.Conn; here the two ends of a net.Pipe.
func ExampleClient() {
	a, b := net.Pipe()
	client, err := mux.Client(a, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()
	server, err := mux.Server(b, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer server.Close()

	st, _ := client.Open(context.Background())
	_, _ = st.Write([]byte("over a plain conn"))
	_ = st.Close()
	peer, _ := server.Accept(context.Background())
	msg, _ := io.ReadAll(peer)
	fmt.Printf("stream %d: %s\n", peer.ID(), msg)
	// Output: stream 1: over a plain conn
}

// Err tells a local Close from a lost connection.
func ExampleSession_Err() {
	client, server := mux.Pipe(nil)
	defer server.Close()

	_ = client.Close()
	<-server.Done() // the peer notices the connection is gone

	fmt.Println(errors.Is(client.Err(), mux.ErrClosed))
	fmt.Println(errors.Is(server.Err(), mux.ErrLost))
	// Output:
	// true
	// true
}
