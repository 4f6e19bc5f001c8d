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
// its other parameter and result types must be nameable from the package.
// Variadic methods are refused. Errors name the method and its position:
//
//	monster.go:12: rtcgen: Monster.Feed: last result must be error
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
