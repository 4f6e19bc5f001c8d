// Command telechan is telechan's command line. Its subcommands:
//
//	telechan registry [-addr 127.0.0.1:10101] [-tls-cert f -tls-key f] [-store memory] [-allow-origin patterns]
//	                  [-token-file f] [-read-token-file f]
//	telechan resolve [-registry url] [-token-file f] [-wait 10s] topic
//	telechan list [-registry url] [-token-file f] [prefix]
//	telechan watch [-registry url] [-token-file f] [prefix]
//	telechan unregister [-registry url] [-token-file f] topic
//
// "registry" runs a registry server (see package registry and
// docs/REGISTRY.md) until interrupted. With -token-file, registering needs
// one of the file's tokens (each line: a token, then optionally the topic
// prefixes it may write); with -read-token-file, so does reading. The client
// commands send the token of their -token-file, else of
// $TELECHAN_REGISTRY_TOKEN. Tokens never go on the command line, where every
// user of the machine can read them. docs/SECURITY.md has the details. This build has the in-memory store;
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
