package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/telechan/telechan/internal/wire"
	"github.com/telechan/telechan/mux"
)

// A watch channel holds one value: the latest. Its sender never waits;
// receivers see the current value and then each change, skipping values
// that were replaced before they looked. The final value before the sender
// closes is always delivered.

// ErrWatchHalf refuses a watch value that holds a channel half: a value may
// be skipped, and a skipped half would never be claimed.
var ErrWatchHalf = errors.New("rch: a watch value cannot carry channel halves")

// Slot is the shared state of a watch channel on one side of a connection.
//
// Lock order: Slot.mu is a leaf.
type Slot[T any] struct {
	mu      sync.Mutex
	v       T
	version uint64
	// verr, when set, is what the current version is instead of a value:
	// a value that was lost on its way here (too large, not decodable).
	// Receivers get it once from Recv; the next value clears it.
	verr   error
	ended  bool  // the sender closed, or was lost
	lost   error // why the sender was lost, if it was
	rxs    int   // live receivers, local ones and links
	rxLost error // why a receiver link ended abnormally, if one did
	// encoded holds the current value encoded for each connection a
	// receiver link writes to, filled by Send so that encoding errors are
	// the sender's and each value is encoded once per connection.
	encoded map[*Conn][]byte
	links   map[*Conn]int
	writers kickers // the link writers, woken on every change
	wake    chan struct{}
	// onNoRx, if set, is called once the last receiver is gone.
	onNoRx func()
	noRx   chan struct{} // closed once the last receiver is gone
	// held is what the current value, read from from, is charged to that
	// connection's memory budget; given back when a value replaces it or
	// the channel is over.
	held int
	from *Conn
}

// newSlot returns a slot holding v as version 1, with one receiver.
func newSlot[T any](v T) *Slot[T] {
	return &Slot[T]{v: v, version: 1, rxs: 1, wake: make(chan struct{}), noRx: make(chan struct{})}
}

// newRemoteSlot returns an empty slot (version 0: nothing to deliver yet)
// whose values come from, or go to, a peer.
func newRemoteSlot[T any]() *Slot[T] {
	return &Slot[T]{rxs: 1, wake: make(chan struct{}), noRx: make(chan struct{})}
}

func (s *Slot[T]) changed() {
	close(s.wake)
	s.wake = make(chan struct{})
}

// set stores v as the new value. Call without s.mu held.
func (s *Slot[T]) set(v T) error {
	s.mu.Lock()
	conns := make([]*Conn, 0, len(s.links))
	for c := range s.links {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	var enc map[*Conn][]byte
	for _, c := range conns {
		raw, err := c.encodePlain(v)
		if err != nil {
			return err
		}
		if enc == nil {
			enc = make(map[*Conn][]byte, len(conns))
		}
		enc[c] = raw
	}
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return ErrClosed
	}
	if s.rxs <= 0 {
		err := s.rxErr()
		s.mu.Unlock()
		return err
	}
	s.v, s.encoded, s.verr = v, enc, nil
	s.version++
	s.changed()
	writers := s.writers.snapshot()
	s.mu.Unlock()
	kickAll(writers)
	return nil
}

// setFrom stores v, read from c in an item of n bytes charged to c's
// budget: the slot keeps the charge with the value and gives back that of
// the value it replaces, or gives n back if v is not stored.
func (s *Slot[T]) setFrom(c *Conn, v T, n int) {
	if err := s.set(v); err != nil {
		c.mem.give(inbound, n)
		return
	}
	s.mu.Lock()
	old, oldFrom := s.held, s.from
	s.held, s.from = n, c
	s.mu.Unlock()
	oldFrom.giveBack(old)
	s.releaseIfOver()
}

// releaseIfOver gives back the value's charge once nobody can read it: the
// sender ended and no receiver is left.
func (s *Slot[T]) releaseIfOver() {
	s.mu.Lock()
	var n int
	var from *Conn
	if s.ended && s.rxs <= 0 {
		n, from = s.held, s.from
		s.held, s.from = 0, nil
	}
	s.mu.Unlock()
	from.giveBack(n)
}

// giveBack returns n inbound bytes to c's budget; c may be nil.
func (c *Conn) giveBack(n int) {
	if c != nil {
		c.mem.give(inbound, n)
	}
}

// end marks the sender gone, cleanly when err is nil.
func (s *Slot[T]) end(err error) {
	s.mu.Lock()
	var writers []*worker
	if !s.ended {
		s.ended, s.lost = true, err
		s.changed()
		writers = s.writers.snapshot()
	}
	s.mu.Unlock()
	kickAll(writers)
	s.releaseIfOver()
}

// next waits for a version newer than seen and returns it. After the
// final value it returns io.EOF, or the reason the sender was lost; once
// closed reports true (the receiver waiting was closed), ErrClosed.
func (s *Slot[T]) next(ctx context.Context, seen uint64, closed func() bool) (T, uint64, error) {
	s.mu.Lock()
	for {
		if s.version > seen {
			v, ver, verr := s.v, s.version, s.verr
			s.mu.Unlock()
			if verr != nil {
				var zero T
				return zero, ver, verr
			}
			return v, ver, nil
		}
		if s.ended {
			err := s.lost
			s.mu.Unlock()
			if err == nil {
				err = io.EOF
			}
			var zero T
			return zero, seen, err
		}
		wake := s.wake
		s.mu.Unlock()
		// After taking wake: a Close that came before it is seen here,
		// one that comes after closes wake (doneRx calls changed).
		if closed() {
			var zero T
			return zero, seen, ErrClosed
		}
		select {
		case <-wake:
		case <-ctx.Done():
			var zero T
			return zero, seen, ctx.Err()
		}
		// A Close of this receiver woke us: say so, even if the link
		// ended the slot meanwhile (the peer answered the Close).
		if closed() {
			var zero T
			return zero, seen, ErrClosed
		}
		s.mu.Lock()
	}
}

// ready returns a channel closed once next(seen) would not wait.
func (s *Slot[T]) ready(seen uint64) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.version > seen || s.ended {
		return closedChan
	}
	return s.wake
}

// addRx counts one more receiver.
func (s *Slot[T]) addRx() {
	s.mu.Lock()
	s.rxs++
	s.mu.Unlock()
}

// doneRx counts one receiver less.
func (s *Slot[T]) doneRx() { s.doneRxErr(nil) }

// doneRxErr counts one receiver less, which ended abnormally when why is
// set (a receiver link whose connection was lost): once no receiver is
// left the sender sees why in place of ErrClosed.
func (s *Slot[T]) doneRxErr(why error) {
	s.mu.Lock()
	if why != nil && s.rxLost == nil {
		s.rxLost = why
	}
	s.rxs--
	last := s.rxs == 0
	hook := s.onNoRx
	if last {
		close(s.noRx)
	}
	s.changed()
	s.mu.Unlock()
	if last && hook != nil {
		hook()
	}
	s.releaseIfOver()
}

// rxGone reports ErrClosed once no receiver is left.
func (s *Slot[T]) rxGone() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rxs <= 0 {
		return s.rxErr()
	}
	return nil
}

// rxErr is what the sender sees once no receiver is left. Call with s.mu
// held.
func (s *Slot[T]) rxErr() error {
	if s.rxLost != nil {
		return s.rxLost
	}
	return ErrClosed
}

// addLink registers a receiver link writing to c.
func (s *Slot[T]) addLink(c *Conn) {
	s.mu.Lock()
	if s.links == nil {
		s.links = make(map[*Conn]int)
	}
	s.links[c]++
	s.mu.Unlock()
}

// doneLink unregisters a receiver link writing to c.
func (s *Slot[T]) doneLink(c *Conn) {
	s.mu.Lock()
	if s.links[c]--; s.links[c] <= 0 {
		delete(s.links, c)
	}
	s.mu.Unlock()
}

// current returns what a link writing to c must send after version seen:
// the encoded value and its version (or verr, for a value lost on its way
// here), or ok false when there is nothing new.
func (s *Slot[T]) current(c *Conn, seen uint64) (raw []byte, ver uint64, v T, verr error, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.version <= seen {
		return nil, seen, v, nil, false
	}
	return s.encoded[c], s.version, s.v, s.verr, true
}

// setErr makes err the current version: a value lost on its way here.
// Receivers get it once, as an item error, and go on.
func (s *Slot[T]) setErr(err error) {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	s.verr = err
	s.version++
	s.changed()
	writers := s.writers.snapshot()
	s.mu.Unlock()
	kickAll(writers)
}

// encodePlain encodes a value that must hold no channel half.
func (c *Conn) encodePlain(v any) ([]byte, error) {
	rv := reflect.ValueOf(v)
	if rv.IsValid() && mayHold(rv.Type()) {
		err := walk(rv, func(*Port) error { return ErrWatchHalf })
		if err != nil {
			return nil, err
		}
	}
	raw, err := c.codec.Marshal(v)
	if err != nil {
		return nil, err
	}
	if len(raw) > c.sendMax {
		return nil, fmt.Errorf("%w: %d bytes encoded, limit %d", ErrTooLarge, len(raw), c.sendMax)
	}
	return raw, nil
}

// watchOut writes the slot's values to st as they change, skipping those
// replaced before the link got to them, and ends with End or Error once
// the sender ends; it reads the peer's Close. It stands, on this side, for
// receivers that live on the peer, and holds one receiver count of s,
// given back when they are gone. It returns at once: the writing and the
// reading run on workers.
func watchOut[T any](c *Conn, st *mux.Stream, s *Slot[T]) {
	l := &watchLink[T]{s: s, st: st}
	l.c, l.t = c, l
	s.addLink(c)
	s.mu.Lock()
	s.writers.add(&l.worker)
	s.mu.Unlock()
	l.peer.l, l.peer.st = l, st
	l.peer.start(c, &l.peer)
	l.kick()
}

// watchLink is watchOut's writer.
type watchLink[T any] struct {
	worker
	s        *Slot[T]
	st       *mux.Stream
	seen     uint64
	peerGone atomic.Bool
	given    atomic.Bool // the receiver count was given back
	peer     watchPeer[T]
}

// giveBack gives back the link's receiver count, once, ending abnormally
// when why is set.
func (l *watchLink[T]) giveBack(why error) {
	if l.given.CompareAndSwap(false, true) {
		l.s.doneRxErr(why)
	}
}

func (l *watchLink[T]) ready() bool {
	if l.peerGone.Load() || l.c.ctx.Err() != nil {
		return true
	}
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	return l.s.version > l.seen || l.s.ended
}

func (l *watchLink[T]) step() bool {
	if l.peerGone.Load() || l.c.ctx.Err() != nil {
		l.end()
		return true
	}
	raw, ver, v, verr, ok := l.s.current(l.c, l.seen)
	if ok && verr != nil { // pass the loss on
		if wire.WriteFrame(l.st, wire.Lost, wire.ErrorPayload(codeOf(verr), verr.Error())) != nil {
			l.end()
			return true
		}
		l.seen = ver
		return false
	}
	if !ok {
		if err, ended := l.s.final(); ended {
			writeEnd(l.st, err)
			l.end()
			return true
		}
		return false
	}
	if raw == nil { // set before this link existed
		var err error
		if raw, err = l.c.encodePlain(v); err != nil {
			// The receivers on the peer would wait for a value that
			// never comes: end them with the reason, and give back
			// their count with it, so that the sender learns it too.
			err = fmt.Errorf("the watch's current value cannot be sent to a receiver: %w", err)
			l.giveBack(err) // first: the peer's answer must not win
			writeEnd(l.st, err)
			l.end()
			return true
		}
	}
	if err := wire.WriteFrame(l.st, wire.Item, raw); err != nil {
		l.end()
		return true
	}
	l.seen = ver
	return false
}

func (l *watchLink[T]) abort() { l.end() }

func (l *watchLink[T]) end() {
	l.s.mu.Lock()
	l.s.writers.remove(&l.worker)
	l.s.mu.Unlock()
	l.s.doneLink(l.c)
	l.st.Close()
}

// watchPeer reads what the peer's receivers say back: Close when the last
// of them is gone. Close, Error, a protocol violation or the end of the
// stream: either way the peer's receivers are gone, and the link gives
// back its receiver count.
type watchPeer[T any] struct {
	streamReader
	l *watchLink[T]
}

func (r *watchPeer[T]) step() bool {
	r.end(readBack(r.c, r.st, "receiver"))
	return true
}

// readBack reads the one frame the receiving side of a watch or broadcast
// stream sends back, and returns why its receivers are gone: nil after a
// Close frame, the error of an Error frame, otherwise why the stream
// ended or (a protocol violation) what came instead. who names the
// receivers in that last error.
func readBack(c *Conn, st *mux.Stream, who string) error {
	t, n, err := wire.ReadHeader(st)
	switch {
	case err != nil:
		return c.classify(err)
	case t == wire.Close:
		return nil
	case t == wire.Error:
		e, rerr := readError(st, n)
		if rerr != nil {
			return c.classify(rerr)
		}
		return e
	}
	return fmt.Errorf("%w: %s frame from a %s", ErrDropped, t, who)
}

func (r *watchPeer[T]) abort() { r.end(r.c.lost()) }

// end gives back the link's receiver count: cleanly after a Close frame
// (why nil), otherwise with why.
func (r *watchPeer[T]) end(why error) {
	r.st.Notify(nil)
	r.l.peerGone.Store(true)
	r.l.giveBack(why)
	r.l.kick()
}

// final reports whether the sender has ended, and why if it was lost.
func (s *Slot[T]) final() (error, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lost, s.ended
}

// writeEnd writes End for a clean end (err nil) and Error otherwise.
func writeEnd(st *mux.Stream, err error) {
	if err == nil {
		wire.WriteFrame(st, wire.End, nil)
		return
	}
	wire.WriteFrame(st, wire.Error, wire.ErrorPayload(codeOf(err), err.Error()))
}

// watchIn reads values from st into s: it stands, on this side, for a
// sender that lives on the peer. When the last local receiver closes it
// tells the peer with a Close frame. It returns at once: frames are read on
// a worker as they arrive.
func watchIn[T any](c *Conn, st *mux.Stream, s *Slot[T]) {
	s.mu.Lock()
	s.onNoRx = func() {
		c.goroutine(func() { wire.WriteFrame(st, wire.Close, nil) })
	}
	none := s.rxs == 0
	s.mu.Unlock()
	if none {
		s.onNoRx()
	}
	serveFrames(c, st, valueFrames(c, s), func(err error) {
		s.end(err)
		st.Close()
	})
}

// valueFrames says how watchIn handles a sender's frames. A value that is
// too large, cannot be decoded or was lost on its way takes its place as an
// error (Slot.setErr): receivers get it once from Recv, then the next
// value.
func valueFrames[T any](c *Conn, s *Slot[T]) senderFrames {
	return senderFrames{
		onItem: func(raw []byte) error {
			var v T
			if err := c.codec.Unmarshal(raw, &v); err != nil {
				c.mem.give(inbound, len(raw))
				s.setErr(fmt.Errorf("%w: %w", ErrDecode, err))
				return nil
			}
			s.setFrom(c, v, len(raw))
			return nil
		},
		onTooLarge: func(n uint32) {
			s.setErr(fmt.Errorf("%w: a value of %d bytes received, limit %d", ErrTooLarge, n, c.recvMax))
		},
		onLost: s.setErr,
	}
}
