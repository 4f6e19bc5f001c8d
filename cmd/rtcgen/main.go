// Rtcgen writes the remote client and server of Go interfaces, for package
// [github.com/telechan/telechan/rtc].
//
// Usage:
//
//	//go:generate go run github.com/telechan/telechan/cmd/rtcgen -type Monster
//	rtcgen -type Monster[,Other...] [-output file] [dir]
//
// It loads the package in dir (default: the current directory) with full
// type information and writes, for each named interface, a client type
// (MonsterClient) that implements it over rfn.Funcs and a ServeMonster
// function, to lowercased-first-type_rtc.go in that directory unless -output
// says otherwise.
//
// Every method must take a context.Context first and return an error last;
// its other parameter and result types must be nameable from the package
// and be values a codec can carry. A parameter or result may be another
// interface of the same run (-type A,B): its client travels in its place,
// as a capability. The caller passes either a client (it is cloned, so the
// caller keeps its own) or a local implementation (a client serving it is
// made and sent); the receiving side gets the interface, backed by a
// client it should Close when done with it. Refused, with the method and
// its position: variadic methods, an error or a context.Context anywhere
// but in their own places, interfaces that are neither of the run nor
// empty (directly or inside a struct field, a slice, a map value), and
// interfaces with type constraints:
//
//	monster.go:12: rtcgen: Monster.Feed: last result must be error
//	hub.go:9: rtcgen: Hub.Read: io.Reader: interface io.Reader cannot be sent: only an interface rtcgen generates in the same run (-type) can, as its client, or any
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	typeNames := flag.String("type", "", "comma-separated list of interface names; required")
	output := flag.String("output", "", "output file name; default <dir>/<type>_rtc.go")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: rtcgen -type Iface[,Iface...] [-output file] [dir]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *typeNames == "" || flag.NArg() > 1 {
		flag.Usage()
		os.Exit(2)
	}
	dir := "."
	if flag.NArg() == 1 {
		dir = flag.Arg(0)
	}
	if err := run(dir, strings.Split(*typeNames, ","), *output); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// run generates the code for types in the package in dir and writes it.
func run(dir string, types []string, output string) error {
	if output == "" {
		output = filepath.Join(dir, strings.ToLower(types[0])+"_rtc.go")
	}
	src, err := generate(dir, types, output)
	if err != nil {
		return err
	}
	return os.WriteFile(output, src, 0o644)
}
