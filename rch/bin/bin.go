package bin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/telechan/telechan/internal/core"
)

// Kind names on the wire.
const (
	kindWriter = "bin.Writer"
	kindReader = "bin.Reader"
)

// ChunkSize is the largest piece a Write is cut into. Each piece is queued
// on its own, so a reader can start on a large write before it is all
// there, and memory stays bounded by the channel's capacity in chunks.
const ChunkSize = 64 << 10

// DefaultChunks is the capacity, in chunks, of a channel made by New.
const DefaultChunks = 8

// ErrSize reports a sized stream (see NewSized) written or read past its
// announced length, or ended before it.
var ErrSize = errors.New("bin: stream length differs from the size announced")

// handle lets a half travel inside messages; see package rch.
type handle = core.Handle

// New returns the two ends of a byte stream: what is written to the Writer
// is read from the Reader. Either end may be sent to a peer inside any
// message sent over an rch connection; the bytes then travel on a stream of
// their own, without a codec.
func New() (*Writer, *Reader) { return NewSize(DefaultChunks) }

// NewSize is New with a buffer of the given number of chunks (at least
// one) on each side of a connection.
func NewSize(chunks int) (*Writer, *Reader) {
	w, r := new(Writer), new(Reader)
	core.InitBytePair(&w.tx, &r.rx, chunks, kindWriter, kindReader)
	w.handle = core.HandleOf(&w.tx.Port)
	r.handle = core.HandleOf(&r.rx.Port)
	return w, r
}

// NewSized is New for a stream of exactly size bytes (size > 0), announced
// up front: Reader.Size reports it, a Write past it fails with ErrSize, and
// a stream that ends short of it is an ErrSize for the reader (and for the
// writer's Close) instead of io.EOF.
func NewSized(size int64) (*Writer, *Reader) {
	if size <= 0 {
		panic("bin: NewSized needs a positive size")
	}
	w, r := New()
	w.tx.SetSize(size)
	r.rx.SetSize(size)
	return w, r
}

// Writer is the writing end of a byte stream. It implements io.Writer,
// io.ReaderFrom and io.Closer; one goroutine at a time may write.
type Writer struct {
	handle
	tx      core.Tx[[]byte]
	written int64 // guarded by being used by one goroutine at a time
}

// Size returns the length announced for a sized stream, or zero.
func (w *Writer) Size() int64 { return w.tx.Size() }

// room cuts p to what a sized stream still accepts, and says whether it
// had to.
func (w *Writer) room(p []byte) ([]byte, bool) {
	size := w.tx.Size()
	if size == 0 || w.written+int64(len(p)) <= size {
		return p, false
	}
	return p[:max(size-w.written, 0)], true
}

// Write writes p, waiting while the stream's buffer is full. It fails with
// rch.ErrClosed once the reader closed, rch.ErrDropped once the reader went
// away without closing, and an error wrapping rch.ErrDisconnected once the
// connection to it was lost.
func (w *Writer) Write(p []byte) (int, error) {
	return w.WriteContext(context.Background(), p)
}

// WriteContext is Write that gives up when ctx ends. Bytes written before
// it gave up stay written; n says how many.
func (w *Writer) WriteContext(ctx context.Context, p []byte) (n int, err error) {
	p, over := w.room(p)
	defer func() {
		w.written += int64(n)
		if over && err == nil {
			err = ErrSize
		}
	}()
	for len(p) > 0 {
		k := min(len(p), ChunkSize)
		chunk := core.GetChunk(k)
		copy(chunk, p[:k])
		if err := w.tx.Send(ctx, chunk); err != nil {
			return n, err
		}
		n += k
		p = p[k:]
	}
	return n, nil
}

// ReadFrom copies r into the stream until r returns io.EOF, without an
// extra copy of each chunk.
func (w *Writer) ReadFrom(r io.Reader) (n int64, err error) {
	for {
		buf := core.GetChunk(ChunkSize)
		k, rerr := r.Read(buf)
		if k > 0 {
			chunk, over := w.room(buf[:k])
			if err := w.tx.Send(context.Background(), chunk); err != nil {
				return n, err
			}
			n += int64(len(chunk))
			w.written += int64(len(chunk))
			if over {
				return n, ErrSize
			}
		}
		if k == 0 {
			core.PutChunk(buf)
		}
		switch {
		case rerr == io.EOF:
			return n, nil
		case rerr != nil:
			return n, rerr
		}
	}
}

// Close ends the stream cleanly: the reader gets io.EOF after the bytes
// already written. It is idempotent. Closing a sized stream short of its
// size returns ErrSize, and its reader gets ErrSize too.
func (w *Writer) Close() error {
	w.tx.Close()
	if size := w.tx.Size(); size != 0 && w.written != size {
		return fmt.Errorf("%w: %d of %d bytes written", ErrSize, w.written, size)
	}
	return nil
}

// Err returns nil while the reader is there, and then why it is gone.
func (w *Writer) Err() error { return w.tx.Err() }

// Closed returns a channel that is closed once the reading end is gone
// (closed, dropped, or its connection lost), for use in a select
// statement; Err then says why.
func (w *Writer) Closed() <-chan struct{} { return w.tx.Closed() }

// UnmarshalJSON reads a writer's reference; the connection that decodes
// the message then binds it.
func (w *Writer) UnmarshalJSON(b []byte) error {
	w.handle = core.HandleOf(&w.tx.Port)
	w.tx.Verbatim()
	return w.tx.DecodeJSON(b, kindWriter)
}

// UnmarshalCBOR reads a writer's reference; the connection that decodes
// the message then binds it.
func (w *Writer) UnmarshalCBOR(b []byte) error {
	w.handle = core.HandleOf(&w.tx.Port)
	w.tx.Verbatim()
	return w.tx.DecodeCBOR(b, kindWriter)
}

// Reader is the reading end of a byte stream. It implements io.Reader,
// io.WriterTo and io.Closer; one goroutine at a time may read.
type Reader struct {
	handle
	rx    core.Rx[[]byte]
	mu    sync.Mutex
	left  []byte
	chunk []byte // the pooled chunk left is part of
	read  int64  // bytes taken from the stream so far
	err   error  // sticky: once the stream failed or ended, it stays so
}

// Size returns the length announced for a sized stream, or zero.
func (r *Reader) Size() int64 { return r.rx.Size() }

// Read reads up to len(p) bytes. It returns io.EOF only after the writer
// closed cleanly and every byte was read; a stream cut short by a lost
// connection returns an error wrapping rch.ErrDisconnected (or
// rch.ErrDropped), never io.EOF, so a truncated image is never mistaken
// for a complete one.
func (r *Reader) Read(p []byte) (int, error) {
	return r.ReadContext(context.Background(), p)
}

// ReadContext is Read that gives up when ctx ends.
func (r *Reader) ReadContext(ctx context.Context, p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(p) == 0 {
		return 0, nil
	}
	if len(r.left) == 0 {
		chunk, err := r.next(ctx)
		if err != nil {
			return 0, err
		}
		r.chunk, r.left = chunk, chunk
	}
	n := copy(p, r.left)
	r.left = r.left[n:]
	if len(r.left) == 0 {
		core.PutChunk(r.chunk) // read out: nothing refers to it any more
		r.chunk = nil
	}
	return n, nil
}

// next returns the next chunk. Call with r.mu held.
func (r *Reader) next(ctx context.Context) ([]byte, error) {
	if r.err != nil {
		return nil, r.err
	}
	size := r.rx.Size()
	for {
		chunk, err := r.rx.Recv(ctx)
		switch {
		case err == nil && len(chunk) == 0:
			continue
		case err == nil && size != 0 && r.read+int64(len(chunk)) > size:
			err = fmt.Errorf("%w: more than the %d bytes announced", ErrSize, size)
		case err == nil:
			r.read += int64(len(chunk))
			return chunk, nil
		case errors.Is(err, ctx.Err()) && ctx.Err() != nil:
			return nil, err
		case err == io.EOF && size != 0 && r.read != size:
			err = fmt.Errorf("%w: ended after %d of %d bytes", ErrSize, r.read, size)
		}
		r.err = err // a byte stream cannot skip: every error is final
		return nil, err
	}
}

// WriteTo copies the stream to w until it ends, without an extra copy of
// each chunk. It returns nil after a clean end.
func (r *Reader) WriteTo(w io.Writer) (n int64, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		chunk, whole := r.left, r.chunk
		r.left, r.chunk = nil, nil
		if len(chunk) == 0 {
			chunk, err = r.next(context.Background())
			if err == io.EOF {
				return n, nil
			}
			if err != nil {
				return n, err
			}
			whole = chunk
		}
		k, err := w.Write(chunk)
		n += int64(k)
		if err != nil {
			r.left, r.chunk = chunk[k:], whole
			return n, err
		}
		core.PutChunk(whole) // written whole, and an io.Writer keeps nothing
	}
}

// Close closes the reader: the writer's next Write fails with
// rch.ErrClosed. It is idempotent.
func (r *Reader) Close() error { return r.rx.Close() }

// UnmarshalJSON reads a reader's reference; the connection that decodes
// the message then binds it.
func (r *Reader) UnmarshalJSON(b []byte) error {
	r.handle = core.HandleOf(&r.rx.Port)
	r.rx.Verbatim()
	return r.rx.DecodeJSON(b, kindReader)
}

// UnmarshalCBOR reads a reader's reference; the connection that decodes
// the message then binds it.
func (r *Reader) UnmarshalCBOR(b []byte) error {
	r.handle = core.HandleOf(&r.rx.Port)
	r.rx.Verbatim()
	return r.rx.DecodeCBOR(b, kindReader)
}
