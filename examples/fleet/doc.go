// Package fleet shows rovers that come and go. Each rover registers under
// "fleet/<name>" in the registry and publishes its status on a broadcast
// channel; the operator watches the "fleet/" prefix of the registry, and
// for each rover that appears connects to it and subscribes to its status.
// When a rover leaves, its registration vanishes and the watch says so.
//
// Run it from the repository root:
//
//	go run ./cmd/telechan registry                     # terminal 1
//	go run ./examples/demo fleet -operator             # terminal 2
//	go run ./examples/demo fleet -rover spirit         # terminal 3, and more
//	go run ./examples/demo fleet -rover opportunity    # with other names
//
// or the whole scene in one process, with a registry of its own:
//
//	go run ./examples/demo fleet
package fleet
