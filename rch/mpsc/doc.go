// Package mpsc provides a multi-producer, single-consumer remote channel:
// many [Sender]s (made with Clone) send to one [Receiver], through a
// bounded buffer that makes senders wait when it is full.
//
// [New] returns a local pair. Either half may be put in a value sent over
// an rch connection; the other half keeps working as if both were local.
// Values from one sender arrive in the order it sent them. The receiver
// gets io.EOF once every sender is closed, and a sender learns why it can
// no longer send: the receiver closed the channel (rch.ErrClosed), went
// away without closing it (rch.ErrDropped), or the connection was lost
// (rch.ErrDisconnected).
//
// Buffering: a channel buffers up to its capacity on the receiver's side;
// when the receiver is remote, the sender's side buffers up to the same
// capacity again, and the stream between them holds up to its flow-control
// window (256 KiB by default).
package mpsc
