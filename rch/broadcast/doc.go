// Package broadcast provides a publish/subscribe remote channel: one
// [Sender], many subscribers ([Receiver]), each seeing every value in
// order — unless it falls behind.
//
// The sender never waits. The channel holds the last values sent (its
// capacity); a subscriber that falls further behind gets a [LagError]
// saying how many values it missed, then goes on with the oldest value
// still held. A slow subscriber never holds up the sender or the other
// subscribers, on this side of a connection or across it: a subscriber on a
// peer with a slow link falls behind and is told so, like a local one.
//
// [New] returns the sender and a first subscriber; Sender.Subscribe and
// Receiver.Clone make more. Either half may be sent to a peer inside any
// message, and forwarded further. Subscribers see the end (io.EOF) when the
// sender closes. Values cannot carry channel halves ([ErrHalf]).
package broadcast
