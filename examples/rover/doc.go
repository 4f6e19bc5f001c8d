// Package rover is the case telechan exists for: a rover streams camera
// frames of a few MiB over a slow link while an operator steers it, stops
// it, and follows its status — all on one connection, where the frames must
// not hold up the commands.
//
// The rover registers under the topic "rover" and serves each operator
// that connects. The two sides open their channels with one message each
// way on the base channel: the rover sends the receiving halves of what it
// speaks (an mpsc of frames, each frame a byte stream of its own, and a
// watch of its status), the operator those of what it speaks (an mpsc of
// steering commands and a oneshot for the emergency stop). Each command
// carries a oneshot for its acknowledgement, which says when it arrived.
//
// The link is emulated (internal/test/linkemu) on both sides' outgoing
// bytes: 4G-like by default, 10 Mbit/s with 25 ms each way and a 2 MiB
// bottleneck buffer. The operator prints a progress bar per frame and, for
// each command sent during the transfer, how long it took to arrive (from
// the two sides' clocks: across machines, their skew is in the figure) and
// to be acknowledged.
//
// Run it from the repository root:
//
//	go run ./cmd/telechan registry             # terminal 1
//	go run ./examples/demo rover -serve        # terminal 2: the rover
//	go run ./examples/demo rover -operate      # terminal 3: the operator
//
// or both sides in one process, with a registry of its own:
//
//	go run ./examples/demo rover
package rover
