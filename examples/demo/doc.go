// Command demo runs telechan's examples, which is what "make demo" does.
//
// With no arguments it starts an embedded registry on loopback and runs,
// one after the other and each over real WebSockets, the monster, counter,
// rover and fleet examples (see their packages under examples/), printing
// what happens.
//
// With an example's name it runs that example alone, passing the rest of
// the arguments to it, so that the sides of an example can run as separate
// processes against a registry started with "go run ./cmd/telechan
// registry":
//
//	go run ./examples/demo monster -serve
//	go run ./examples/demo monster -visit
//	go run ./examples/demo counter [-serve | -connect]
//	go run ./examples/demo rover [-serve | -operate] [-frames 3 -mib 1.5 -mbps 10 -delay 25ms]
//	go run ./examples/demo fleet [-rover NAME | -operator]
//
// Every side takes -registry URL (default $TELECHAN_REGISTRY, else
// ws://127.0.0.1:10101). With no side flag, an example runs all its sides
// in one process with a registry of its own.
package main
