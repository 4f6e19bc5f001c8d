package registry_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/telechan/telechan/registry"
)

// A program registers a topic, another resolves it.
func Example() {
	srv, _ := registry.NewServer(nil)
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	opts := &registry.Options{Addr: "ws" + strings.TrimPrefix(hs.URL, "http")}
	ctx := context.Background()

	robot, _ := registry.Dial(ctx, opts)
	lease, _ := robot.Register(ctx, "elmo", "ws://10.0.0.7:4000/", nil)

	operator, _ := registry.Dial(ctx, opts)
	defer operator.Close()
	addr, _ := operator.Resolve(ctx, "elmo")
	fmt.Println("elmo is at", addr)

	_, err := operator.Register(ctx, "elmo", "ws://elsewhere/", nil)
	fmt.Println(err)

	lease.Close()
	robot.Close()
	_, err = operator.Resolve(ctx, "elmo")
	fmt.Println(err)
	// Output:
	// elmo is at ws://10.0.0.7:4000/
	// registry: topic already registered: "elmo" is held by a live lease (send "replace":true to take it over)
	// registry: topic not found: "elmo"
}

// ResolveWait waits for a topic that is not registered yet.
func ExampleClient_ResolveWait() {
	srv, _ := registry.NewServer(nil)
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	opts := &registry.Options{Addr: "ws" + strings.TrimPrefix(hs.URL, "http")}
	ctx := context.Background()

	c, _ := registry.Dial(ctx, opts)
	defer c.Close()
	resolved := make(chan struct{})
	done := make(chan struct{})
	go func() { // another program registers elmo a little later
		defer close(done)
		late, _ := registry.Dial(ctx, opts)
		defer late.Close()
		late.Register(ctx, "elmo", "ws://late/", nil)
		<-resolved // keep the registration until it was seen
	}()

	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	addr, err := c.ResolveWait(wctx, "elmo")
	fmt.Println(addr, err)
	close(resolved)
	<-done
	// Output:
	// ws://late/ <nil>
}
