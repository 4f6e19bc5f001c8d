// Package bench measures telechan against its peers in the same run, on
// the same machine: gRPC-go and Go's net/rpc for small calls. It is a module
// of its own so that the peers never become dependencies of the library.
//
//	cd bench && go test -run '^$' -bench . -benchtime 3s
package bench
