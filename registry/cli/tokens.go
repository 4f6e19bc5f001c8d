package cli

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"

	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/registry"
)

// Tokens come from files (or, for the client commands, the environment),
// never from flags: a command line is visible to every user of the machine
// (ps, /proc/<pid>/cmdline) and lands in shell history.

// readTokenFile reads a token file: one token a line, optionally followed
// by the topic prefixes it may write, separated by spaces. Blank lines and
// lines starting with # are skipped. A token alone on its line may write
// every topic.
func readTokenFile(path string, warn io.Writer) (map[string][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	warnIfShared(f, path, warn)
	tokens := map[string][]string{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		if _, dup := tokens[fields[0]]; dup {
			return nil, fmt.Errorf("%s:%d: token given twice", path, line)
		}
		tokens[fields[0]] = fields[1:]
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(tokens) == 0 {
		return nil, fmt.Errorf("%s: no token in the file", path)
	}
	return tokens, nil
}

// warnIfShared warns when other users may read the token file.
func warnIfShared(f *os.File, path string, warn io.Writer) {
	fi, err := f.Stat()
	if err == nil && runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(warn, "telechan: warning: %s is readable by other users; chmod 600 it\n", path)
	}
}

// tokenList returns the tokens of a file read by readTokenFile, without
// their prefixes.
func tokenList(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for t := range m {
		out = append(out, t)
	}
	return out
}

// serverAuth reads the registry server's -token-file and -read-token-file
// into opts. Either may be empty.
func serverAuth(opts *registry.ServerOptions, writeFile, readFile string, warn io.Writer) error {
	if writeFile != "" {
		m, err := readTokenFile(writeFile, warn)
		if err != nil {
			return err
		}
		opts.WriteTokens = m
	}
	if readFile != "" {
		m, err := readTokenFile(readFile, warn)
		if err != nil {
			return err
		}
		opts.Authorize = mux.BearerToken(tokenList(m)...)
	}
	return nil
}

// warnOpen warns when a registry that anyone may change listens beyond
// loopback.
func warnOpen(ln net.Listener, opts *registry.ServerOptions, warn io.Writer) {
	if len(opts.WriteTokens) > 0 {
		return
	}
	if a, ok := ln.Addr().(*net.TCPAddr); ok && !a.IP.IsLoopback() {
		fmt.Fprintln(warn, "telechan: warning: the registry listens beyond loopback and anyone who reaches it may register, replace and unregister topics; see -token-file")
	}
}

// tokenFlag adds the client commands' -token-file flag.
func tokenFlag(fs *flag.FlagSet) *string {
	return fs.String("token-file", "", "file holding the registry token (default $"+registry.EnvToken+")")
}

// clientToken returns the token of a client command: the first token of
// file, or "" to let registry.Options fall back to the environment.
func clientToken(file string, warn io.Writer) (string, error) {
	if file == "" {
		return "", nil
	}
	m, err := readTokenFile(file, warn)
	if err != nil {
		return "", err
	}
	if len(m) != 1 {
		return "", errors.New(file + ": a client token file holds one token")
	}
	return tokenList(m)[0], nil
}
