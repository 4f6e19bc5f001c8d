// Command telechan is telechan's command line. Its subcommands:
//
//	telechan registry [-addr 127.0.0.1:10101] [-tls-cert f -tls-key f] [-store memory] [-allow-origin patterns]
//	telechan resolve [-registry url] [-wait 10s] topic
//	telechan list [-registry url] [prefix]
//	telechan watch [-registry url] [prefix]
//
// "registry" runs a registry server (see package registry and
// docs/REGISTRY.md) until interrupted. This build has the in-memory store;
// for -store etcd, build github.com/telechan/telechan/registry/etcd/cmd/telechan,
// which is this command with the etcd store added.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/telechan/telechan/registry/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}
