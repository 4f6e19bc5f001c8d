// Package bin provides a remote byte stream: a [Writer] and a [Reader]
// joined by a stream of their own, with no codec on the path — for camera
// frames, files and firmware.
//
// [New] returns a local pair; either end may be put in a value sent over
// an rch connection, and may be forwarded further. Bytes arrive in order.
// The Reader returns io.EOF only after the Writer's clean Close; a stream
// cut short by a lost connection returns an error wrapping
// rch.ErrDisconnected, so a truncated image is never mistaken for a
// complete one. The Writer learns that the reader closed (rch.ErrClosed) or
// went away.
//
// [NewSized] announces the length up front: the reader knows it
// (Reader.Size), and a stream written or read past it, or ended short of it,
// is an [ErrSize] rather than a clean end.
//
// Writes are cut into chunks of [ChunkSize]; each chunk is one frame on the
// wire, and the connection writes at most one 16 KiB piece of it before
// giving other channels their turn, so a bulk transfer never holds up a
// small message on another channel by more than about that.
package bin
