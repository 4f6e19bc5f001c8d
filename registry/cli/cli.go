// Package cli is the command line of telechan's registry: the "registry",
// "resolve", "list", "watch" and "unregister" subcommands of cmd/telechan. It is a
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
		"registry":   runRegistry,
		"resolve":    runResolve,
		"list":       runList,
		"watch":      runWatch,
		"unregister": runUnregister,
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
  registry    run a registry server (flags: -addr, -tls-cert, -tls-key, -store, -etcd,
              -allow-origin, -allow-host, -token-file, -read-token-file)
  resolve     print the address of a topic (flags: -registry, -token-file, -wait)
  list        list the topics under a prefix (flags: -registry, -token-file)
  watch       print changes under a prefix until interrupted (flags: -registry, -token-file)
  unregister  remove a topic, whoever registered it (flags: -registry, -token-file)

The registry address defaults to $TELECHAN_REGISTRY, else ws://127.0.0.1:10101.
The token of the client commands defaults to $TELECHAN_REGISTRY_TOKEN. Tokens
are read from files or the environment, never from the command line, where
every user of the machine could read them.
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
	hosts := fs.String("allow-host", "", "host names the registry is reached by from browsers, besides IP addresses and localhost, comma-separated")
	writeTokens := fs.String("token-file", "", "file of write tokens, one a line, each optionally followed by the topic prefixes it may write")
	readTokens := fs.String("read-token-file", "", "file of read tokens, one a line; if given, reading needs one of them (or a write token)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if (*cert == "") != (*key == "") {
		return errors.New("-tls-cert and -tls-key go together")
	}
	opts := &registry.ServerOptions{OriginPatterns: split(*origins), AllowedHosts: split(*hosts)}
	if err := serverAuth(opts, *writeTokens, *readTokens, env.Stderr); err != nil {
		return err
	}
	store, err := openStore(ctx, env, *storeName, split(*etcd))
	if err != nil {
		return err
	}
	defer store.Close()
	opts.Store = store
	srv, err := registry.NewServer(opts)
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	warnOpen(ln, opts, env.Stderr)
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

// clientFlags are the flags every client command has.
type clientFlags struct {
	registry, tokenFile *string
}

func newClientFlags(fs *flag.FlagSet) clientFlags {
	return clientFlags{registry: registryFlag(fs), tokenFile: tokenFlag(fs)}
}

// dial connects to the registry the flags name, with their token; the
// caller closes the client.
func (f clientFlags) dial(ctx context.Context, env Env) (*registry.Client, error) {
	tok, err := clientToken(*f.tokenFile, env.Stderr)
	if err != nil {
		return nil, err
	}
	return registry.Dial(ctx, &registry.Options{Addr: *f.registry, Token: tok})
}

// dial parses args into fs, whose client flags are cf, and connects to the
// registry; the caller closes the client.
func dial(ctx context.Context, fs *flag.FlagSet, cf clientFlags, args []string, env Env) (*registry.Client, error) {
	if err := fs.Parse(args); err != nil {
		return nil, errUsage
	}
	return cf.dial(ctx, env)
}

func runResolve(ctx context.Context, args []string, env Env) error {
	fs := newFlags("resolve", env)
	cf := newClientFlags(fs)
	wait := fs.Duration("wait", 0, "wait this long for the topic to be registered")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 1 {
		return errors.New("resolve takes one topic")
	}
	c, err := cf.dial(ctx, env)
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
	c, err := dial(ctx, fs, newClientFlags(fs), args, env)
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
	c, err := dial(ctx, fs, newClientFlags(fs), args, env)
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

// runUnregister removes a topic: the registry allows it only with a write
// token that covers the topic (the client holds no lease of its own).
func runUnregister(ctx context.Context, args []string, env Env) error {
	fs := newFlags("unregister", env)
	cf := newClientFlags(fs)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 1 {
		return errors.New("unregister takes one topic")
	}
	c, err := cf.dial(ctx, env)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Unregister(ctx, fs.Arg(0))
}
