// Package linkemu emulates a slow network link under a net.Conn, so tests
// and benchmarks can show how telechan behaves on, say, a 4G uplink: that a
// bulk transfer on one stream does not hold up small control messages on
// the others.
//
// # Entry points
//
//   - [Profile] describes one direction of a link: Bandwidth, Delay and
//     the bottleneck's Buffer. [LAN] and [FourG] are ready-made.
//   - [Wrap] shapes what is written to an existing net.Conn (a loopback
//     TCP connection, say); reads pass through. Wrap both ends to shape
//     both directions.
//   - [Pipe] returns an in-memory connection shaped in both directions.
//
// internal/test/muxtest builds mux session pairs on top: LinkPair (a real
// WebSocket over loopback TCP, both ends wrapped) and LinkPipePair.
//
// # Model
//
// Each direction is a bottleneck followed by a wire:
//
//	Write ─> bottleneck queue ─> Bandwidth ─> Delay ─> receive buffer ─> Read
//	         (≤ Buffer bytes)                          (window)
//
// Written bytes enter the bottleneck queue, and Write returns once they are
// queued, as with a socket's send buffer. The queue sends them on at
// Bandwidth (n bytes take n×8/Bandwidth seconds), and they arrive Delay
// after they left. Byte order is kept. The queue holds Buffer bytes (2 MiB
// by default, which at 10 Mbit/s is 1.7 s of queueing delay: bufferbloat,
// which is what makes the 4G case hard); a byte stream cannot drop, so a
// full queue blocks Write instead.
//
// # Where bytes wait when nobody reads
//
// At most one bandwidth-delay product plus 256 KiB may be past the
// bottleneck and not yet read (in flight, or arrived and waiting in the
// receive buffer; with unlimited Bandwidth the product is taken at
// 1 Gbit/s). When a reader stops reading, that window fills, the bottleneck
// stops sending (like a closed TCP window), its queue fills, and Write
// blocks. A silent reader thus absorbs Buffer + window bytes of a [Pipe].
// Under [Wrap] the arrived bytes are written to the wrapped connection, so
// its own buffers (the kernel's socket buffers) come on top.
//
// # Granularity and accuracy
//
// The bottleneck releases bytes in slices of at most 1500 bytes or 1 ms of
// link time, whichever is larger (64 KiB with unlimited Bandwidth), so a
// reader sees a steady trickle rather than bursts. One goroutine per
// direction paces the slices with a timer against its own schedule, so a
// timer firing late delays a slice but does not lower the rate. Bytes are
// never early; expect throughput within a few percent of Bandwidth and
// arrivals up to about a millisecond after their due time (Go's timers on
// Linux wake up that late), plus scheduling noise on a busy machine. No
// goroutine spins: an idle link costs nothing, and a saturated 10 Mbit/s
// link about a thousand timer wake-ups a second (under a tenth of a core).
//
// # Closing and goroutines
//
// Close is abrupt, like a socket closed with a zero linger time: bytes still
// queued or in flight are dropped (bytes that have arrived stay readable). It
// unblocks every Read and Write on both ends and returns once the
// connection's goroutines have ended, so leak checks such as goleak pass.
// Deadlines work as for any net.Conn and fail calls with an error matching
// os.ErrDeadlineExceeded.
package linkemu
