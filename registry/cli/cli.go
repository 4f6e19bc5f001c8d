// Package cli is the command line of telechan's registry: the "registry",
// "resolve", "list" and "watch" subcommands of cmd/telechan. It is a
// package so that a build with more stores (the etcd one, in the nested
// module github.com/telechan/telechan/registry/etcd) reuses it whole.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/telechan/telechan/registry"
)

// StoreOpener opens a store. endpoints are the -etcd flag's values, split
// at commas.
type StoreOpener func(ctx context.Context, endpoints []string) (registry.Store, error)

// Env is what a command may use from its surroundings.
type Env struct {
	Stdout, Stderr io.Writer
	// Stores maps the names accepted by -store to their openers. "memory"
	// is always available.
	Stores map[string]StoreOpener
}

// Main runs the command named by args[0] with the rest of args and
// returns the exit status. It returns when the command is done or ctx ends
// (for the registry server: on SIGINT, when the caller cancels ctx).
func Main(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 {
		usage(env.Stderr)
		return 2
	}
	cmds := map[string]func(context.Context, []string, Env) error{
		"registry": runRegistry,
		"resolve":  runResolve,
		"list":     runList,
		"watch":    runWatch,
	}
	run, ok := cmds[args[0]]
	if !ok {
		usage(env.Stderr)
		return 2
	}
	err := run(ctx, args[1:], env)
	switch {
	case err == nil, errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintln(env.Stderr, "telechan:", err)
	return 1
}

// errUsage reports bad flags; the flag package has already said why.
var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: telechan <command> [flags]

commands:
  registry   run a registry server (flags: -addr, -tls-cert, -tls-key, -store, -etcd, -allow-origin)
  resolve    print the address of a topic (flags: -registry, -wait)
  list       list the topics under a prefix (flags: -registry)
  watch      print changes under a prefix until interrupted (flags: -registry)

The registry address defaults to $TELECHAN_REGISTRY, else ws://127.0.0.1:10101.
`)
}

func newFlags(name string, env Env) *flag.FlagSet {
	fs := flag.NewFlagSet("telechan "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	return fs
}

func runRegistry(ctx context.Context, args []string, env Env) error {
	fs := newFlags("registry", env)
	addr := fs.String("addr", "127.0.0.1:10101", "listen address")
	cert := fs.String("tls-cert", "", "TLS certificate file (serve wss:// and https://)")
	key := fs.String("tls-key", "", "TLS key file")
	storeName := fs.String("store", "memory", "store: "+strings.Join(storeNames(env), "|"))
	etcd := fs.String("etcd", "127.0.0.1:2379", "etcd endpoints, comma-separated (with -store etcd)")
	origins := fs.String("allow-origin", "", "host patterns of other web origins allowed to connect, comma-separated")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if (*cert == "") != (*key == "") {
		return errors.New("-tls-cert and -tls-key go together")
	}
	store, err := openStore(ctx, env, *storeName, split(*etcd))
	if err != nil {
		return err
	}
	defer store.Close()
	srv, err := registry.NewServer(&registry.ServerOptions{Store: store, OriginPatterns: split(*origins)})
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	scheme := "ws"
	if *cert != "" {
		scheme = "wss"
	}
	fmt.Fprintf(env.Stdout, "registry listening on %s://%s/ (store %s)\n", scheme, ln.Addr(), *storeName)
	return serveUntil(ctx, ln, srv, *cert, *key)
}

// serveUntil serves h on ln until ctx ends.
func serveUntil(ctx context.Context, ln net.Listener, h http.Handler, cert, key string) error {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() {
		if cert != "" {
			errc <- hs.ServeTLS(ln, cert, key)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		hs.Close()
		<-errc
		return ctx.Err()
	}
}

func storeNames(env Env) []string {
	names := []string{"memory"}
	for n := range env.Stores {
		if n != "memory" {
			names = append(names, n)
		}
	}
	return names
}

func openStore(ctx context.Context, env Env, name string, endpoints []string) (registry.Store, error) {
	if name == "memory" {
		return registry.NewMemStore(), nil
	}
	if open, ok := env.Stores[name]; ok {
		return open(ctx, endpoints)
	}
	if name == "etcd" {
		return nil, errors.New("this build has no etcd store; build the command from the etcd module: go install github.com/telechan/telechan/registry/etcd/cmd/telechan@latest")
	}
	return nil, fmt.Errorf("unknown store %q (have %s)", name, strings.Join(storeNames(env), ", "))
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func registryFlag(fs *flag.FlagSet) *string {
	return fs.String("registry", "", "registry URL (default $TELECHAN_REGISTRY, else "+registry.DefaultAddr+")")
}

// dial parses args into fs (whose -registry flag is reg) and connects to
// the registry; the caller closes the client.
func dial(ctx context.Context, fs *flag.FlagSet, reg *string, args []string) (*registry.Client, error) {
	if err := fs.Parse(args); err != nil {
		return nil, errUsage
	}
	return registry.Dial(ctx, &registry.Options{Addr: *reg})
}

func runResolve(ctx context.Context, args []string, env Env) error {
	fs := newFlags("resolve", env)
	reg := registryFlag(fs)
	wait := fs.Duration("wait", 0, "wait this long for the topic to be registered")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 1 {
		return errors.New("resolve takes one topic")
	}
	c, err := registry.Dial(ctx, &registry.Options{Addr: *reg})
	if err != nil {
		return err
	}
	defer c.Close()
	var addr string
	if *wait > 0 {
		wctx, cancel := context.WithTimeout(ctx, *wait)
		defer cancel()
		addr, err = c.ResolveWait(wctx, fs.Arg(0))
	} else {
		addr, err = c.Resolve(ctx, fs.Arg(0))
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, addr)
	return nil
}

func runList(ctx context.Context, args []string, env Env) error {
	fs := newFlags("list", env)
	c, err := dial(ctx, fs, registryFlag(fs), args)
	if err != nil {
		return err
	}
	defer c.Close()
	es, err := c.List(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	for _, e := range es {
		fmt.Fprintf(env.Stdout, "%s\t%s\t%s\n", e.Topic, e.Address, time.Since(e.Since).Round(time.Second))
	}
	return nil
}

func runWatch(ctx context.Context, args []string, env Env) error {
	fs := newFlags("watch", env)
	c, err := dial(ctx, fs, registryFlag(fs), args)
	if err != nil {
		return err
	}
	defer c.Close()
	w, err := c.Watch(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	defer w.Close()
	for {
		ev, err := w.Next(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s\t%s\t%s\n", ev.Kind, ev.Entry.Topic, ev.Entry.Address)
	}
}
