// Package bench measures telechan against its peers in the same run, on
// the same machine, over the same emulated links. It is a module of its
// own so that the peers (gRPC-go above all) never become dependencies of
// the library.
//
// Run it through cmd/benchrun (make bench, make bench-quick):
//
//	go run ./cmd/benchrun -quick -out results
//
// # Figures
//
// Every figure is a [Result]: a dotted name, a value and a unit, printed
// as one JSON object per line. The families:
//
//   - bulk.lan.{c2s,s2c}.mbps: a telechan bin channel over a loopback
//     WebSocket, and peer.{tcp,ws,yamux}.{c2s,s2c}.mbps and
//     peer.grpc.stream[.s2c].mbps, the same transfer by each peer;
//   - rpc.lan.c{1,64}.rate: rtc calls (a generated client, CBOR, a
//     ~100-byte argument) per second, and peer.grpc.unary.* and
//     peer.netrpc.*;
//   - hol.{lan,4g}.*: the control round trip on one channel while a bin
//     channel saturates the connection (p99, p50), the bulk rate meanwhile
//     and alone; peer.grpc.hol.* and peer.yamux.hol.* likewise;
//   - codec.{json,cbor}.encdec.ns: Marshal plus Unmarshal of a RobotStatus;
//   - mem.channel.idle.* and mem.conn.idle.*: what an idle channel and an
//     idle connection cost.
//
// bench/README.md says exactly what each one measures.
//
// # Links
//
// lan is loopback as it is; 4g is linkemu.FourG: a 10 Mbit/s bottleneck
// with a 2 MiB drop-tail buffer and 25 ms one way, each way. Every peer
// dials and listens through the same wrappers (listen, dialer).
//
// # Layout
//
// One file per peer (peers_tcp.go, peers_ws.go, peers_yamux.go,
// peers_grpc.go, peers_netrpc.go) and per telechan figure family
// (telechan_bulk.go, telechan_rpc.go, telechan_hol.go), the measuring
// loops (flow.go for bulk, rate.go for calls, hol.go, codec.go, mem.go,
// mem_conn.go), the list of steps (suite.go) and the output
// (targets.go, report.go, chart.go).
package bench
