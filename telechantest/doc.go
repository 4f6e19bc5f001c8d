// Package telechantest helps test programs that use telechan: a connected
// pair of base channels in one call, over an in-memory pipe or a real
// loopback WebSocket, optionally on an emulated slow link, with a handle
// that breaks the connection under them.
//
// # Entry points
//
//   - [Connect] returns a client and a server base channel joined by a
//     fresh connection, and the [Link] under it. [Sessions] stops at the
//     mux sessions, for programs that run rch.Connect themselves.
//   - [Link.Cut] closes the connection abruptly, as a dead network does;
//     [Link.Freeze] stops every byte both ways without closing anything,
//     as a tunnel or a vanished peer does, until [Link.Thaw].
//   - [Options.Profile] runs the connection over an emulated link: [FourG]
//     is a 10 Mbit/s uplink with a 2 MiB buffer and 25 ms of delay each
//     way, the case the project's own tests of a robot on 4G use.
//
// Everything is closed at the end of the test (testing.TB.Cleanup), and
// nothing it starts outlives it.
package telechantest
