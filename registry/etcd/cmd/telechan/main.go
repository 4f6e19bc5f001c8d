// Command telechan is github.com/telechan/telechan/cmd/telechan with the
// etcd store added: "telechan registry -store etcd -etcd host:2379,…" runs
// a registry server that shares its directory with every other one on the
// same etcd cluster.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/telechan/telechan/registry"
	"github.com/telechan/telechan/registry/cli"
	"github.com/telechan/telechan/registry/etcd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env := cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Stores: map[string]cli.StoreOpener{
		"etcd": func(ctx context.Context, endpoints []string) (registry.Store, error) {
			return etcd.Open(ctx, endpoints, nil)
		},
	}}
	code := cli.Main(ctx, os.Args[1:], env)
	stop()
	os.Exit(code)
}
