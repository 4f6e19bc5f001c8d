package registry_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/telechan/telechan/registry"
)

// A registry where only token holders may register, so no one can take over
// another robot's topic: each robot's token covers its own prefix, and the
// operator's covers everything. Reads stay open.
func Example_writeTokens() {
	srv, _ := registry.NewServer(&registry.ServerOptions{WriteTokens: map[string][]string{
		"elmo-7f3a": {"robot/elmo/"}, // elmo may write robot/elmo/…
		"ops-91c2":  nil,             // the operator may write every topic
	}})
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	addr := "ws" + strings.TrimPrefix(hs.URL, "http")
	ctx := context.Background()

	elmo, _ := registry.Dial(ctx, &registry.Options{Addr: addr, Token: "elmo-7f3a"})
	defer elmo.Close()
	_, err := elmo.Register(ctx, "robot/elmo/cam", "ws://10.0.0.7:4000/", nil)
	fmt.Println("elmo registers its camera:", err)

	intruder, _ := registry.Dial(ctx, &registry.Options{Addr: addr})
	defer intruder.Close()
	_, err = intruder.Register(ctx, "robot/elmo/cam", "ws://evil/", &registry.RegisterOptions{Replace: true})
	fmt.Println(err)
	at, _ := intruder.Resolve(ctx, "robot/elmo/cam")
	fmt.Println("still at", at)
	// Output:
	// elmo registers its camera: <nil>
	// registry: unauthorized: register "robot/elmo/cam" needs a write token for that topic
	// still at ws://10.0.0.7:4000/
}
