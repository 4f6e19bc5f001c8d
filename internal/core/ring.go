package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/telechan/telechan/internal/wire"
	"github.com/telechan/telechan/mux"
)

// A broadcast channel is a ring of the last values sent. Its sender never
// waits; each subscriber has its own position, and one that falls behind
// by more than the ring holds is told how many values it missed, then goes
// on with the oldest value still there.

// ErrLagged matches every *LagError.
var ErrLagged = errors.New("rch: subscriber lagged behind")

// LagError says a subscriber fell behind and missed values.
type LagError struct {
	// Missed is how many values the subscriber will never see.
	Missed uint64
}

func (e *LagError) Error() string {
	return fmt.Sprintf("rch: subscriber lagged behind: %d values missed", e.Missed)
}

// Is makes errors.Is(err, ErrLagged) hold.
func (e *LagError) Is(target error) bool { return target == ErrLagged }

// codeLagged is the wire code of a lag notice: an Error frame whose message
// is the decimal count of values missed. Unlike other Error frames from a
// sender, it is not final.
const codeLagged wire.ErrorCode = 5

// ringEntry is one slot of the ring: a value (with its encodings for the
// connections subscriber links write to), or a gap of values missed
// upstream.
type ringEntry[T any] struct {
	v       T
	encoded map[*Conn][]byte
	gap     uint64
	// vstart counts the values (and values missed upstream) published
	// before this entry, so that a subscriber overtaken by the ring learns
	// exactly how many values it missed, gaps included.
	vstart uint64
	// held is what the value, read from from, is charged to that
	// connection's memory budget, until it leaves the ring.
	held int
	from *Conn
}

// cursor is a subscriber's position: the next entry, and how many values
// it has accounted for.
type cursor struct{ pos, vpos uint64 }

// Ring is the shared state of a broadcast channel on one side of a
// connection. Lock order: Ring.mu is a leaf.
type Ring[T any] struct {
	mu   sync.Mutex
	buf  []ringEntry[T]
	head uint64 // sequence number of the next entry
	// floor is the oldest sequence number not evicted: entries below it
	// were pushed out early to give memory back (see sendFrom).
	floor   uint64
	vcount  uint64 // values (and upstream gaps) published so far
	ended   bool
	lost    error
	subs    int
	subLost error // why a subscriber link ended abnormally since subs was last 0
	links   map[*Conn]int
	writers kickers // the link writers, woken on every change
	onNoSub func()
	wake    chan struct{}
	// noSubs is closed once no subscriber is left; a subscription after
	// that makes a fresh one.
	noSubs chan struct{}
}

func newRing[T any](capacity, subs int) *Ring[T] {
	return &Ring[T]{
		buf:  make([]ringEntry[T], max(capacity, 1)),
		subs: subs,
		wake: make(chan struct{}),
	}
}

func (r *Ring[T]) changed() {
	close(r.wake)
	r.wake = make(chan struct{})
}

// tail is the oldest sequence number still held. Call with r.mu held.
func (r *Ring[T]) tail() uint64 {
	t := uint64(0)
	if n := uint64(len(r.buf)); r.head > n {
		t = r.head - n
	}
	return max(t, r.floor)
}

// evictOldest drops the oldest entry held, giving back its charge, and
// reports whether there was one. Subscribers that had not read it will
// hear of it as a lag. Call with r.mu held; c, n to give back are
// returned.
func (r *Ring[T]) evictOldest() (from *Conn, n int, ok bool) {
	t := r.tail()
	if t >= r.head {
		return nil, 0, false
	}
	e := &r.buf[t%uint64(len(r.buf))]
	from, n = e.from, e.held
	e.v, e.encoded, e.held, e.from = *new(T), nil, 0, nil
	r.floor = t + 1
	return from, n, true
}

// publish appends e. Call without r.mu held.
func (r *Ring[T]) publish(e ringEntry[T]) error {
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		return ErrClosed
	}
	e.vstart = r.vcount
	r.vcount += max(e.gap, 1)
	slot := &r.buf[r.head%uint64(len(r.buf))]
	from, n := slot.from, slot.held // the entry it replaces, if still held
	*slot = e
	r.head++
	r.changed()
	writers := r.writers.snapshot()
	r.mu.Unlock()
	from.giveBack(n)
	kickAll(writers)
	return nil
}

// sendFrom publishes v, read from c in an item of n bytes charged to c's
// budget; the entry keeps the charge. When the budget's inbound half is
// over its limit, the ring first evicts its own oldest entries (lagging
// subscribers are told); if even an empty ring cannot hold v, v is
// published as a gap of one, as a value that could not reach this side.
func (r *Ring[T]) sendFrom(c *Conn, v T, n int) error {
	for {
		in, _ := c.mem.usage()
		if in <= c.mem.half {
			break
		}
		r.mu.Lock()
		from, m, ok := r.evictOldest()
		r.mu.Unlock()
		if !ok {
			c.mem.give(inbound, n)
			c.log.Warn("rch: broadcast value dropped: the connection's memory budget is full", "bytes", n)
			return r.publish(ringEntry[T]{gap: 1})
		}
		from.giveBack(m)
	}
	e, err := r.entryFor(v)
	if err != nil {
		c.mem.give(inbound, n)
		return err
	}
	e.held, e.from = n, c
	if err := r.publish(e); err != nil {
		c.mem.give(inbound, n)
		return err
	}
	return nil
}

// send encodes v for every connection a subscriber link writes to, then
// publishes it.
func (r *Ring[T]) send(v T) error {
	e, err := r.entryFor(v)
	if err != nil {
		return err
	}
	return r.publish(e)
}

// entryFor encodes v for every connection a subscriber link writes to.
func (r *Ring[T]) entryFor(v T) (ringEntry[T], error) {
	r.mu.Lock()
	conns := make([]*Conn, 0, len(r.links))
	for c := range r.links {
		conns = append(conns, c)
	}
	r.mu.Unlock()
	e := ringEntry[T]{v: v}
	for _, c := range conns {
		raw, err := c.encodePlain(v)
		if err != nil {
			return e, err
		}
		if e.encoded == nil {
			e.encoded = make(map[*Conn][]byte, len(conns))
		}
		e.encoded[c] = raw
	}
	return e, nil
}

// end marks the sender gone, cleanly when err is nil.
func (r *Ring[T]) end(err error) {
	r.mu.Lock()
	var writers []*worker
	if !r.ended {
		r.ended, r.lost = true, err
		r.changed()
		writers = r.writers.snapshot()
	}
	r.mu.Unlock()
	kickAll(writers)
	r.releaseIfOver()
}

// releaseIfOver gives back the charges of the values held once nobody can
// read them: the sender ended and no subscriber is left.
func (r *Ring[T]) releaseIfOver() {
	type charge struct {
		from *Conn
		n    int
	}
	var back []charge
	r.mu.Lock()
	if r.ended && r.subs <= 0 {
		for {
			from, n, ok := r.evictOldest()
			if !ok {
				break
			}
			if n > 0 {
				back = append(back, charge{from, n})
			}
		}
	}
	r.mu.Unlock()
	for _, c := range back {
		c.from.giveBack(c.n)
	}
}

// next returns the entry at *pos and advances it, waiting for one. A
// subscriber that fell behind gets a *LagError and is moved to the oldest
// entry held. After the last entry of an ended ring it returns io.EOF, or
// why the sender was lost.
//
// Once closed reports true (the subscriber waiting was closed), it returns
// ErrClosed.
func (r *Ring[T]) next(ctx context.Context, cur *cursor, closed func() bool) (ringEntry[T], error) {
	r.mu.Lock()
	for {
		if t := r.tail(); cur.pos < t {
			oldest := r.buf[t%uint64(len(r.buf))].vstart
			missed := oldest - cur.vpos
			cur.pos, cur.vpos = t, oldest
			missed += r.skipGaps(cur)
			r.mu.Unlock()
			return ringEntry[T]{}, &LagError{Missed: missed}
		}
		if cur.pos < r.head {
			if missed := r.skipGaps(cur); missed > 0 {
				r.mu.Unlock()
				return ringEntry[T]{}, &LagError{Missed: missed}
			}
			e := r.buf[cur.pos%uint64(len(r.buf))]
			cur.pos++
			cur.vpos = e.vstart + 1
			r.mu.Unlock()
			return e, nil
		}
		if r.ended {
			err := r.lost
			r.mu.Unlock()
			if err == nil {
				err = io.EOF
			}
			return ringEntry[T]{}, err
		}
		wake := r.wake
		r.mu.Unlock()
		// After taking wake: a Close that came before it is seen here,
		// one that comes after closes wake (unsubscribe calls changed).
		if closed() {
			return ringEntry[T]{}, ErrClosed
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return ringEntry[T]{}, ctx.Err()
		}
		// A Close of this subscriber woke us: say so, even if the link
		// ended the ring meanwhile (the peer answered the Close).
		if closed() {
			return ringEntry[T]{}, ErrClosed
		}
		r.mu.Lock()
	}
}

// skipGaps moves cur past the gap entries it is at and returns how many
// values they stand for, so that adjacent gaps (and a lag followed by a
// gap) reach the subscriber as one LagError. Call with r.mu held.
func (r *Ring[T]) skipGaps(cur *cursor) uint64 {
	var missed uint64
	for cur.pos < r.head {
		e := &r.buf[cur.pos%uint64(len(r.buf))]
		if e.gap == 0 {
			break
		}
		missed += e.gap
		cur.pos++
		cur.vpos = e.vstart + e.gap
	}
	return missed
}

// ready returns a channel closed once next(cur) would not wait.
func (r *Ring[T]) ready(cur cursor) <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if cur.pos < r.head || r.ended {
		return closedChan
	}
	return r.wake
}

// subscribe returns the position of a new subscriber: only values sent
// from now on.
func (r *Ring[T]) subscribe() cursor {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.subs == 0 {
		r.subLost = nil
		r.noSubs = nil
	}
	r.subs++
	return cursor{r.head, r.vcount}
}

// closedChan returns a channel closed once no subscriber is left.
func (r *Ring[T]) closedChan() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.subs <= 0 {
		return closedChan
	}
	if r.noSubs == nil {
		r.noSubs = make(chan struct{})
	}
	return r.noSubs
}

// subErr is what the sender sees: nil while a subscriber is alive, then
// ErrClosed, or why a subscriber link ended abnormally.
func (r *Ring[T]) subErr() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.subs > 0:
		return nil
	case r.subLost != nil:
		return r.subLost
	}
	return ErrClosed
}

// unsubscribe counts one subscriber less.
func (r *Ring[T]) unsubscribe() { r.unsubscribeErr(nil) }

// unsubscribeErr counts one subscriber less, which ended abnormally when
// why is set (a subscriber link whose connection was lost).
func (r *Ring[T]) unsubscribeErr(why error) {
	r.mu.Lock()
	if why != nil && r.subLost == nil {
		r.subLost = why
	}
	r.subs--
	last := r.subs == 0
	if last && r.noSubs != nil {
		close(r.noSubs)
		r.noSubs = nil
	}
	hook := r.onNoSub
	r.changed() // wakes a Recv waiting on the subscriber that closed
	r.mu.Unlock()
	if last && hook != nil {
		hook()
	}
	r.releaseIfOver()
}

func (r *Ring[T]) doneLink(c *Conn) {
	r.mu.Lock()
	if r.links[c]--; r.links[c] <= 0 {
		delete(r.links, c)
	}
	r.mu.Unlock()
}

// ringOut is a subscriber that lives on the peer: it writes the ring's
// values from cur on to st, and a lag as a notice, so that the peer's
// subscribers learn what they missed. It holds one subscription, given back
// when the peer's subscribers are gone. It returns at once: the writing,
// and the reading of what the peer says back, run on workers.
func ringOut[T any](c *Conn, st *mux.Stream, r *Ring[T], cur cursor) {
	l := &ringLink[T]{r: r, st: st, cur: cur}
	l.c, l.t = c, l
	r.mu.Lock()
	if r.links == nil {
		r.links = make(map[*Conn]int)
	}
	r.links[c]++
	r.writers.add(&l.worker)
	r.mu.Unlock()
	l.peer.l, l.peer.st = l, st
	l.peer.start(c, &l.peer)
	l.kick()
}

// ringLink is ringOut's writer.
type ringLink[T any] struct {
	worker
	r        *Ring[T]
	st       *mux.Stream
	cur      cursor // guarded by running on the worker
	peerGone atomic.Bool
	peer     ringPeer[T]
}

func (l *ringLink[T]) ready() bool {
	if l.peerGone.Load() || l.c.ctx.Err() != nil {
		return true
	}
	l.r.mu.Lock()
	defer l.r.mu.Unlock()
	return l.cur.pos < l.r.head || l.r.ended
}

func (l *ringLink[T]) step() bool {
	c, st := l.c, l.st
	if l.peerGone.Load() || c.ctx.Err() != nil {
		l.end()
		return true
	}
	e, err := l.r.next(c.ctx, &l.cur, notClosed)
	var lag *LagError
	switch {
	case errors.As(err, &lag):
		msg := strconv.FormatUint(lag.Missed, 10)
		if wire.WriteFrame(st, wire.Error, wire.ErrorPayload(codeLagged, msg)) != nil {
			l.end()
			return true
		}
		return false
	case err == io.EOF:
		writeEnd(st, nil)
		l.end()
		return true
	case err != nil:
		if c.ctx.Err() == nil {
			writeEnd(st, err)
		}
		l.end()
		return true
	}
	raw := e.encoded[c]
	if raw == nil {
		if raw, err = c.encodePlain(e.v); err != nil {
			// Published before this link existed, and too large or not
			// encodable for this peer: its subscribers miss it, and are
			// told so as for a lag.
			c.log.Warn("rch: broadcast value cannot be sent, counted as missed", "err", err)
			if wire.WriteFrame(st, wire.Error, wire.ErrorPayload(codeLagged, "1")) != nil {
				l.end()
				return true
			}
			return false
		}
	}
	if wire.WriteFrame(st, wire.Item, raw) != nil {
		l.end()
		return true
	}
	return false
}

func (l *ringLink[T]) abort() { l.end() }

func (l *ringLink[T]) end() {
	l.r.mu.Lock()
	l.r.writers.remove(&l.worker)
	l.r.mu.Unlock()
	l.r.doneLink(l.c)
	l.st.Close()
}

// ringPeer reads what the peer's subscribers say back: Close once the last
// of them is gone. Either way, the link gives back its subscription.
type ringPeer[T any] struct {
	streamReader
	l *ringLink[T]
}

func (p *ringPeer[T]) step() bool {
	p.end(readBack(p.c, p.st, "subscriber"))
	return true
}

func (p *ringPeer[T]) abort() { p.end(p.c.lost()) }

// end gives back the link's subscription: cleanly after a Close frame (why
// nil), otherwise with why.
func (p *ringPeer[T]) end(why error) {
	p.st.Notify(nil)
	p.l.peerGone.Store(true)
	p.l.r.unsubscribeErr(why)
	p.l.kick()
}

// ringIn publishes into r what a sender on the peer sends. When the last
// local subscriber goes, it tells the peer with a Close frame. It returns
// at once: frames are read on a worker as they arrive.
func ringIn[T any](c *Conn, st *mux.Stream, r *Ring[T]) {
	r.mu.Lock()
	r.onNoSub = func() {
		c.goroutine(func() { wire.WriteFrame(st, wire.Close, nil) })
	}
	none := r.subs == 0
	r.mu.Unlock()
	if none {
		r.onNoSub()
	}
	serveFrames(c, st, ringFrames(c, r), func(err error) {
		r.end(err)
		st.Close()
	})
}

// ringFrames says how ringIn handles a sender's frames. Lag notices, and
// values too large or that cannot be decoded, become gaps that the
// subscribers here are told of.
func ringFrames[T any](c *Conn, r *Ring[T]) senderFrames {
	return senderFrames{
		onItem: func(raw []byte) error {
			var v T
			if err := c.codec.Unmarshal(raw, &v); err != nil {
				c.mem.give(inbound, len(raw))
				c.log.Warn("rch: broadcast value cannot be decoded, counted as missed", "err", err)
				r.publish(ringEntry[T]{gap: 1})
				return nil
			}
			if err := r.sendFrom(c, v, len(raw)); err != nil && !errors.Is(err, ErrClosed) {
				// It cannot go on to a further peer: every subscriber
				// here misses it, and is told so.
				c.log.Warn("rch: broadcast value cannot be relayed, counted as missed", "err", err)
				r.publish(ringEntry[T]{gap: 1})
			}
			return nil
		},
		onTooLarge: func(uint32) { r.publish(ringEntry[T]{gap: 1}) },
		onLost:     func(error) { r.publish(ringEntry[T]{gap: 1}) },
		onNotice: func(code wire.ErrorCode, msg string) (bool, error) {
			if code != codeLagged {
				return false, nil
			}
			missed, err := strconv.ParseUint(msg, 10, 64)
			if err != nil || missed == 0 {
				return true, fmt.Errorf("%w: bad lag notice %q", ErrDropped, msg)
			}
			r.publish(ringEntry[T]{gap: missed})
			return true, nil
		},
	}
}

// notClosed is next's closed for a link, which ends in its own ways.
func notClosed() bool { return false }
