package mux

import (
	"bufio"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Design note: resumable sessions.
//
// A resumable session runs yamux on a resumeConn instead of on one
// WebSocket. The resumeConn is a byte stream that outlives the WebSockets
// (transports) under it: it numbers what yamux writes (by byte count),
// keeps what the peer has not acknowledged in a replay buffer, and
// acknowledges what it receives. When a transport fails, yamux notices
// nothing: its writes go on into the replay buffer (and wait once it is
// full, as on a slow link), its reads wait. The client dials again and
// presents the session's token and how much it received; the server
// checks both (and runs the accept hook again), answers with how much it
// received, and each side sends again from the other's count. Every byte
// arrives once, in order. If no transport comes back within the grace
// window, the stream ends with ErrNotResumed and so does the session.
//
// Goroutines: the reader is yamux's receive loop (Read reads the
// transport); writes happen on the writer's goroutine (msgConn's flusher
// or yamux's send loop), one at a time per transport under transport.wmu.
// An acknowledgement that nothing else carries is sent by a timer's
// function (ackNow), which runs only while one is owed: an idle session
// has no goroutine of its own here. On a client, a redialer
// (resume_client.go) from the transport going down until it is back.
// Close waits for all of them.
//
// Locking: rc.mu guards everything but a transport's write side
// (transport.wmu, taken first, never while holding rc.mu). Neither is held
// across a read; rc.mu is not held across a write.

// ErrNotResumed is the cause a resumable session ends with when its
// connection could not be resumed: the grace window passed, or the server
// no longer knew the session (it restarted, or gave up on it). It matches
// ErrLost.
var ErrNotResumed = fmt.Errorf("%w: not resumed", ErrLost)

// Defaults of the resumption options.
const (
	defaultResumeGrace  = 30 * time.Second
	defaultReplayBuffer = 4 << 20
	defaultMaxParked    = 1024
	// maxRsmChunk bounds one Data frame.
	maxRsmChunk = 256 << 10
	// An acknowledgement rides on the next small Data frame going the
	// other way (yamux's window updates are one every 128 KiB read, a
	// call's reply goes back anyway); it goes out on its own at once after
	// an eighth of the replay buffer received unacknowledged (see
	// ackEveryFor), within defaultAckDelay after an eighth of that, and
	// otherwise within ackIdle: a call now and then on each of many
	// connections then costs no message of its own for its ack, while the
	// peer's replay buffer holds at most a second of a trickle.
	defaultAckDelay = 5 * time.Millisecond
	ackIdle         = time.Second
	// piggyback bounds a Data frame an acknowledgement is copied in front
	// of, so that both go in one WebSocket message; a larger frame is
	// written as it is, and the acknowledgement waits for the next small
	// one, the timer or the ackEvery bound.
	piggyback = 4 << 10
)

// resumeConn is the byte stream under yamux in a resumable session.
type resumeConn struct {
	client bool
	grace  time.Duration
	max    int // replay buffer bound
	// ackEvery: an acknowledgement goes out on its own at once after this
	// many bytes received unacknowledged (ackEveryFor).
	ackEvery uint64
	ackDelay time.Duration // how long an owed acknowledgement waits for data
	log      *slog.Logger

	mu   sync.Mutex
	cond sync.Cond // data in, acks, transport changes, close

	// replay holds what was sent and not acknowledged, [acked, sent), as
	// whole Data frames (see segment); replayed counts the memory they
	// hold (their capacity), which ReplayBuffer bounds.
	replay   []segment
	replayed int
	acked    uint64
	sent     uint64
	written  uint64 // the stream offset up to which a write has returned

	received uint64
	ackedOut uint64 // the received count last sent to the peer
	// acksAlone counts the Ack frames sent in messages of their own (for
	// the test that holds acknowledgements riding on data).
	acksAlone atomic.Int64

	tr      *transport // the current transport, or nil while down
	downAt  time.Time
	graceT  *time.Timer
	tok     token
	closed  bool
	closing bool  // Close has begun: a transport that ends now is not an outage
	err     error // why the stream ended, once closed
	resumes int   // how many times a transport came back
	// onChange is told of each state change (the session's setState);
	// onDown, on a server, of the transport going down (true) or coming
	// back (false). Both are set before the first attach.
	onChange func(State)
	onDown   func(down bool)
	done     chan struct{} // closed once the stream has ended

	wg sync.WaitGroup // ackNow while it runs, the redialer
	// redial, on a client, brings the transport back before the deadline
	// (resume_client.go); the redialer runs it while redialing is set.
	redial    func(deadline time.Time)
	redialing bool
}

func newResumeConn(client bool, o *Options, tok token) *resumeConn {
	c := &resumeConn{client: client, grace: o.ResumeGrace, max: o.ReplayBuffer, ackEvery: ackEveryFor(o.ReplayBuffer),
		ackDelay: cmp.Or(o.ackDelay, defaultAckDelay), log: o.Logger, tok: tok, done: make(chan struct{})}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.cond.L = &c.mu
	return c
}

// ackEveryFor returns how many unacknowledged bytes received make an
// acknowledgement go out on its own: an eighth of the replay buffer, so
// the peer's never fills for want of one (the peer's is the same size by
// default, and a smaller one of ours only acknowledges sooner), between
// 16 KiB and 1 MiB.
func ackEveryFor(replay int) uint64 {
	return uint64(min(max(replay/8, 16<<10), 1<<20))
}

// transport is one WebSocket under a resumeConn.
type transport struct {
	nc     *wsStream // one Write is one message
	ws     *websocket.Conn
	cancel context.CancelFunc
	cork   *corkConn
	done   chan struct{} // closed when the transport is killed
	ackT   *time.Timer   // runs ackNow; set by attach before tr is used

	wmu  sync.Mutex // one writer at a time
	next uint64     // stream offset sent on this transport; guarded by wmu
	buf  []byte     // message buffer; guarded by wmu
	dead bool       // guarded by resumeConn.mu
	left int        // bytes of the Data frame under way still to read; the reader's only
	hdr  [8]byte    // the body of a frame header being read; the reader's only
	// ackDue: an acknowledgement is overdue (pump sends it first).
	ackDue atomic.Bool
	// ackLevel: how soon ackT was set to send it (0: not set, then
	// ackIdle, ackDelay, at once), so that a later receipt only ever
	// brings it forward.
	ackLevel atomic.Int32
	br       *bufio.Reader // the reader's (Read's) only
	killOnce sync.Once
}

func newTransport(ctx context.Context, ws *websocket.Conn, cork *corkConn) *transport {
	ctx, cancel := context.WithCancel(ctx)
	// The stream's calls carry no context (see wsStream): the WebSocket is
	// closed when ctx ends instead, which fails them.
	context.AfterFunc(ctx, func() { ws.CloseNow() })
	t := &transport{
		nc:     newWSStream(ws),
		ws:     ws,
		cancel: cancel,
		cork:   cork,
		done:   make(chan struct{}),
	}
	t.br = bufio.NewReaderSize(strictReader{t.nc}, 4<<10) // headers; payloads are read through: 64 bytes halved bulk on the 4g link
	return t
}

// write writes msg as one WebSocket message.
func (t *transport) write(msg []byte) error {
	if t.cork == nil {
		_, err := t.nc.Write(msg)
		return err
	}
	t.cork.cork()
	_, err := t.nc.Write(msg)
	if uerr := t.cork.uncork(); err == nil {
		err = uerr
	}
	return err
}

// kill tears the WebSocket down at once.
func (t *transport) kill() {
	t.killOnce.Do(func() {
		t.cancel()
		t.ws.CloseNow()
		close(t.done)
		if t.ackT != nil {
			t.ackT.Stop()
		}
	})
}

// segment is a piece of the stream kept for replay, stored as the whole
// Data frame that carries it, so that it is written as it is: the frame
// header, then the payload, whose first byte is at stream offset start.
type segment struct {
	frame []byte
	start uint64
	buf   *[]byte // the pooled buffer frame is in, to give back (nil: not pooled)
}

// payload returns the bytes of the stream s holds.
func (s segment) payload() []byte { return s.frame[rsmHeader:] }

// end returns the stream offset after s.
func (s segment) end() uint64 { return s.start + uint64(len(s.frame)-rsmHeader) }

// rsmHeader is the size of a Data frame's header.
const rsmHeader = 5

// Write appends p to the stream. It returns once p is in the replay
// buffer and, if a transport is up, written to it; it waits while the
// replay buffer is full. It fails only once the stream has ended.
func (c *resumeConn) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), maxRsmChunk)
		buf := getFrame(rsmHeader + k)
		copy((*buf)[rsmHeader:], p[:k])
		p = p[k:]
		if err := c.queue(buf); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// writeFrame is Write for a message msgConn gathered in buf, after room
// for the Data frame's header: the buffer is handed over rather than
// copied (it is given back to its pool once acknowledged).
func (c *resumeConn) writeFrame(buf *[]byte) error {
	if len(*buf)-rsmHeader > maxRsmChunk {
		_, err := c.Write((*buf)[rsmHeader:])
		putFrame(buf)
		return err
	}
	return c.queue(buf)
}

// queue appends to the stream the payload of the frame in buf, after its
// header's room, and writes it if a transport is up.
func (c *resumeConn) queue(buf *[]byte) error {
	frame := *buf
	k := len(frame) - rsmHeader
	frame[0] = rsmData
	binary.BigEndian.PutUint32(frame[1:], uint32(k))
	c.mu.Lock()
	for !c.closed && c.replayed > 0 && c.replayed+cap(frame) > c.max {
		c.cond.Wait()
	}
	if c.closed {
		err := c.err
		c.mu.Unlock()
		return err
	}
	c.replay = append(c.replay, segment{frame, c.sent, buf})
	c.replayed += cap(frame)
	c.sent += uint64(k)
	tr := c.tr
	c.mu.Unlock()
	if tr != nil {
		c.pump(tr)
	}
	return nil
}

// pump writes to tr what it has not carried yet of the stream, and an
// acknowledgement if one is due, until there is nothing left or tr fails.
func (c *resumeConn) pump(tr *transport) {
	tr.wmu.Lock()
	defer tr.wmu.Unlock()
	// On a dialled transport, the messages of one round leave in one
	// system call (up to maxCorked bytes): a message per frame costs
	// nothing then, and a frame is never copied to be gathered.
	corked := 0
	defer func() {
		if corked > 0 {
			if err := tr.cork.uncork(); err != nil {
				c.transportFailed(tr, err)
			}
		}
	}()
	for {
		c.mu.Lock()
		if c.tr != tr || tr.dead {
			c.mu.Unlock()
			return
		}
		start := max(tr.next, c.acked)
		ack := c.received > c.ackedOut
		// An acknowledgement goes first when it is due, or data flowing
		// the other way could hold it back for ever.
		urgent := ack && (c.received-c.ackedOut >= c.ackEvery || tr.ackDue.Load())
		var msg []byte
		next := start
		seg, ok := c.segmentAt(start)
		switch {
		case ok && start == seg.start && ack && len(seg.frame) <= piggyback:
			// The usual case the other way: a small frame (a window
			// update), the acknowledgement in front of it.
			msg = append(c.ackFrame(tr.buf[:0], tr), seg.frame...)
			tr.buf = msg[:0]
			next = seg.end()
		case ok && !urgent:
			if start == seg.start { // the usual case: the frame as it is
				msg = seg.frame
			} else { // the rest of a frame, after a resume
				rest := seg.payload()[start-seg.start:]
				msg = append(binary.BigEndian.AppendUint32([]byte{rsmData}, uint32(len(rest))), rest...)
			}
			next = seg.end()
		case urgent: // otherwise ackNow sends it, within c.ackDelay
			msg = c.ackFrame(tr.buf[:0], tr)
			tr.buf = msg[:0]
			c.acksAlone.Add(1)
		default:
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		if tr.cork != nil && corked == 0 {
			tr.cork.cork()
		}
		_, err := tr.nc.Write(msg)
		if tr.cork != nil {
			if corked += len(msg); err == nil && corked >= maxCorked {
				corked, err = 0, tr.cork.uncork()
			}
		}
		if err != nil {
			c.transportFailed(tr, err)
			return
		}
		tr.next = next
		c.mu.Lock()
		c.written = max(c.written, next) // see putFrame
		c.mu.Unlock()
	}
}

// maxCorked bounds what pump gathers under a transport's cork.
const maxCorked = 64 << 10

// ackFrame appends to b an Ack frame of everything received, and notes it
// sent. Call with c.mu and tr.wmu held.
func (c *resumeConn) ackFrame(b []byte, tr *transport) []byte {
	c.ackedOut = c.received
	tr.ackDue.Store(false)
	if tr.ackLevel.Swap(0) != 0 && tr.ackT != nil {
		tr.ackT.Stop() // nothing owed now; a receipt sets it again
	}
	return binary.BigEndian.AppendUint64(append(b, rsmAck), c.received)
}

// segmentAt returns the segment holding stream offset off, if it was
// written and is not acknowledged yet. Call with c.mu held.
func (c *resumeConn) segmentAt(off uint64) (segment, bool) {
	for _, s := range c.replay { // the first unsent one is near the front
		if off < s.end() {
			return s, off >= s.start
		}
	}
	return segment{}, false
}

// Read reads the peer's stream: yamux's receive goroutine calls it, and
// it reads the transport's frames itself, the payload straight into p, so
// that a byte takes no extra goroutine nor copy on its way in. It waits
// while nothing has arrived or no transport is up, and fails only once
// the stream has ended.
func (c *resumeConn) Read(p []byte) (int, error) {
	for {
		c.mu.Lock()
		for c.tr == nil && !c.closed {
			c.cond.Wait()
		}
		if c.closed {
			err := c.err
			c.mu.Unlock()
			return 0, err
		}
		tr := c.tr
		c.mu.Unlock()
		n, err := c.readFrame(tr, p)
		if err != nil {
			c.transportFailed(tr, err)
			continue
		}
		if n > 0 {
			return n, nil
		}
	}
}

// readFrame reads the next bytes of tr: of the Data frame under way,
// straight into p (their count is returned), or the next frame's header;
// an Ack or a Bye is handled, and 0 returned.
func (c *resumeConn) readFrame(tr *transport, p []byte) (int, error) {
	if tr.left == 0 {
		return 0, c.readHeader(tr)
	}
	// One read, not a full one: what bufio holds, or straight from the
	// transport when it holds nothing. Filling p to the brim would refill
	// bufio for the last few bytes, a system call of its own per frame.
	k, err := tr.br.Read(p[:min(tr.left, len(p))])
	if err != nil {
		return 0, err
	}
	c.mu.Lock()
	if c.tr != tr { // a stale transport: its bytes are not ours any more
		c.mu.Unlock()
		return 0, errStaleTransport
	}
	c.received += uint64(k)
	owed := c.received - c.ackedOut
	c.mu.Unlock()
	tr.left -= k
	level, delay := int32(1), ackIdle
	switch {
	case owed >= c.ackEvery:
		level, delay = 3, 0
	case owed >= c.ackEvery/8:
		level, delay = 2, c.ackDelay
	}
	if old := tr.ackLevel.Load(); level > old && tr.ackLevel.CompareAndSwap(old, level) {
		tr.ackT.Reset(delay)
	}
	return k, nil
}

// readHeader reads the next frame header of tr: a Data frame's sets
// tr.left, an Ack or a Bye is handled.
func (c *resumeConn) readHeader(tr *transport) error {
	typ, err := tr.br.ReadByte()
	if err != nil {
		return err
	}
	h := &tr.hdr
	switch typ {
	case rsmAck:
		if _, err := io.ReadFull(tr.br, h[:8]); err != nil {
			return err
		}
		if err := c.onAck(binary.BigEndian.Uint64(h[:8])); err != nil {
			c.fail(err)
		}
	case rsmBye:
		c.fail(errPeerClosed)
	case rsmData:
		if _, err := io.ReadFull(tr.br, h[:4]); err != nil {
			return err
		}
		n := int(binary.BigEndian.Uint32(h[:4]))
		if n > maxRsmChunk {
			c.fail(fmt.Errorf("%w: data frame of %d bytes", errResumeWire, n))
			return nil
		}
		tr.left = n
	default:
		c.fail(fmt.Errorf("%w: frame type 0x%02x", errResumeWire, typ))
	}
	return nil
}

// The frames of the replay buffer, pooled by size class. A class leaves
// room for the headers around a payload of a round size (yamux's 12
// bytes, an item's few), so that a 64 KiB write does not take the next
// class up. The replay buffer counts a frame's whole capacity, so a
// stream of small writes during an outage holds no more memory than the
// bound says (it only fills sooner).
var frameClasses = [...]int{256, 1 << 10, 4 << 10, 16 << 10, 66 << 10, 132 << 10, rsmHeader + maxRsmChunk}

var framePools [len(frameClasses)]sync.Pool

// getFrame returns a buffer of n bytes, from the pool of its size class
// when there is one. The pointer is what putFrame takes back, so that
// giving it back allocates nothing.
func getFrame(n int) *[]byte {
	for i, size := range frameClasses {
		if n <= size {
			if b, ok := framePools[i].Get().(*[]byte); ok {
				*b = (*b)[:n]
				return b
			}
			b := make([]byte, n, size)
			return &b
		}
	}
	b := make([]byte, n)
	return &b
}

// putFrame gives back a frame no one refers to any more: trim recycles
// only frames acknowledged by the peer whose write has returned (c.written,
// under c.mu, orders the two); a frame still being written, on a transport
// replaced meanwhile, is left to the garbage collector.
func putFrame(b *[]byte) {
	for i, size := range frameClasses {
		if cap(*b) == size {
			framePools[i].Put(b)
			return
		}
	}
}

// strictReader drops the bytes of a read that also failed. coder/websocket
// can return, with the error of a payload read cut short, bytes it has
// not unmasked yet; bufio would hand them on as the stream's next bytes.
// A failing transport is dropped anyway, and what the peer sent again
// after the resume replaces them.
type strictReader struct{ r io.Reader }

func (s strictReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil {
		return 0, err
	}
	return n, nil
}

// onAck takes the peer's acknowledgement of everything up to n.
func (c *resumeConn) onAck(n uint64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n > c.sent {
		return fmt.Errorf("%w: ack of %d bytes, %d sent", errResumeWire, n, c.sent)
	}
	if n > c.acked {
		c.trim(n)
		c.cond.Broadcast()
	}
	return nil
}

// trim drops the segments the peer has everything of, up to n. Call with
// c.mu held.
func (c *resumeConn) trim(n uint64) {
	i := 0
	for i < len(c.replay) && c.replay[i].end() <= n {
		c.replayed -= cap(c.replay[i].frame)
		if c.replay[i].end() <= c.written {
			putFrame(c.replay[i].buf)
		}
		c.replay[i] = segment{}
		i++
	}
	c.replay = c.replay[i:]
	if len(c.replay) == 0 {
		c.replay = nil
	}
	c.acked = n
}

// errStaleTransport: a transport that is no longer the current one.
var errStaleTransport = errors.New("mux: transport replaced")

// ackNow sends on tr the acknowledgement readFrame scheduled (within
// c.ackDelay of a receipt, at once after c.ackEvery bytes), unless data has
// carried it meanwhile. It runs on ackT's goroutine, counted in c.wg
// while it works.
func (c *resumeConn) ackNow(tr *transport) {
	c.mu.Lock()
	if c.closed || c.tr != tr {
		c.mu.Unlock()
		return
	}
	c.wg.Add(1) // before Close's Wait: Close sets closed under c.mu first
	c.mu.Unlock()
	defer c.wg.Done()
	tr.ackLevel.Store(0)
	tr.ackDue.Store(true)
	c.pump(tr)
}

// attach makes tr the transport, the peer having received peerReceived
// bytes of our stream, and starts its goroutines. It fails if the peer
// claims bytes it cannot have.
func (c *resumeConn) attach(tr *transport, peerReceived uint64) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return c.err
	}
	if peerReceived < c.acked || peerReceived > c.sent {
		c.mu.Unlock()
		return fmt.Errorf("%w: the peer has %d bytes, %d..%d are possible", errResumeWire, peerReceived, c.acked, c.sent)
	}
	if old := c.tr; old != nil {
		old.dead = true
		defer old.kill()
	}
	c.trim(peerReceived)
	tr.next = peerReceived
	c.ackedOut = c.received // the handshake told the peer
	c.tr = tr
	resumed := !c.downAt.IsZero()
	if resumed {
		c.resumes++
	}
	c.downAt = time.Time{}
	if c.graceT != nil {
		c.graceT.Stop()
		c.graceT = nil
	}
	tr.ackT = time.AfterFunc(time.Hour, func() { c.ackNow(tr) })
	tr.ackT.Stop()
	c.cond.Broadcast()
	onChange, onDown := c.onChange, c.onDown
	c.mu.Unlock()
	if resumed {
		c.log.Info("mux: connection resumed")
		if onDown != nil {
			onDown(false)
		}
		if onChange != nil {
			onChange(Resumed)
		}
	}
	c.pump(tr)
	return nil
}

// transportFailed takes tr down after err, if it is still the transport:
// the stream waits for another (the client redials) until the grace
// window ends.
func (c *resumeConn) transportFailed(tr *transport, err error) {
	c.mu.Lock()
	if tr.dead || c.tr != tr {
		tr.dead = true
		c.mu.Unlock()
		tr.kill()
		return
	}
	tr.dead = true
	c.tr = nil
	down := !c.closed && !c.closing
	if down {
		c.downAt = time.Now()
		c.graceT = time.AfterFunc(c.grace, c.expire)
	}
	onChange, onDown := c.onChange, c.onDown
	c.cond.Broadcast()
	c.mu.Unlock()
	tr.kill()
	if !down {
		return
	}
	c.log.Info("mux: connection down; waiting to resume", "err", err, "grace", c.grace)
	if onDown != nil {
		onDown(true)
	}
	if onChange != nil {
		onChange(Reconnecting)
	}
	c.startRedialer()
}

// dropTransport takes the current transport down (the keepalive found it
// dead), so that the session resumes over a fresh one.
func (c *resumeConn) dropTransport(why error) {
	c.mu.Lock()
	tr := c.tr
	c.mu.Unlock()
	if tr != nil {
		c.transportFailed(tr, why)
	}
}

// connected reports whether a transport is up.
func (c *resumeConn) connected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tr != nil
}

// expire ends the stream if it is still down when the grace window ends.
func (c *resumeConn) expire() {
	c.mu.Lock()
	down := c.tr == nil && !c.downAt.IsZero() && time.Since(c.downAt) >= c.grace
	c.mu.Unlock()
	if down {
		c.fail(fmt.Errorf("%w within %v", ErrNotResumed, c.grace))
	}
}

// fail ends the stream with err: yamux's reads and writes fail, and the
// session ends.
func (c *resumeConn) fail(err error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed, c.err = true, err
	close(c.done)
	tr := c.tr
	c.tr = nil
	if tr != nil {
		tr.dead = true
	}
	if c.graceT != nil {
		c.graceT.Stop()
	}
	onChange := c.onChange
	c.cond.Broadcast()
	c.mu.Unlock()
	if tr != nil {
		tr.kill()
	}
	if onChange != nil {
		onChange(Lost)
	}
}

// Close ends the stream and waits for its goroutines. It is idempotent.
// If a transport is up, the peer is told first (Bye), so that it ends its
// side at once instead of waiting for a resume.
func (c *resumeConn) Close() error {
	c.mu.Lock()
	tr, closed := c.tr, c.closed
	c.closing = true
	c.mu.Unlock()
	if tr != nil && !closed {
		tr.wmu.Lock()
		tr.nc.SetDeadline(time.Now().Add(byeTimeout))
		err := tr.write([]byte{rsmBye})
		tr.wmu.Unlock()
		if err == nil {
			// Wait for the peer to close its end, reading meanwhile: a
			// socket closed with unread data is reset, and the reset
			// can overtake the Bye.
			t := time.NewTimer(byeTimeout)
			select {
			case <-tr.done:
			case <-t.C:
			}
			t.Stop()
		}
	}
	c.fail(net.ErrClosed)
	c.wg.Wait()
	return nil
}

// byeTimeout bounds the wait to tell the peer of a Close.
const byeTimeout = time.Second

// token returns the session's current token.
func (c *resumeConn) token() token {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tok
}

// setToken records the token for the next resume.
func (c *resumeConn) setToken(t token) {
	c.mu.Lock()
	c.tok = t
	c.mu.Unlock()
}

// detach takes the current transport away, if any, without treating it as
// an outage (a resume is about to attach another), and returns how much of
// the peer's stream arrived: after this, nothing more arrives until the
// next attach, so the count stays true.
func (c *resumeConn) detach() uint64 {
	c.mu.Lock()
	old := c.tr
	if old != nil {
		old.dead = true
		c.tr = nil
		if c.downAt.IsZero() {
			c.downAt = time.Now()
		}
	}
	n := c.received
	c.mu.Unlock()
	if old != nil {
		old.kill()
	}
	return n
}

// receivedCount returns how much of the peer's stream arrived.
func (c *resumeConn) receivedCount() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.received
}

// The net.Conn methods yamux does not rely on.
func (c *resumeConn) LocalAddr() net.Addr              { return wsAddr("resumable") }
func (c *resumeConn) RemoteAddr() net.Addr             { return wsAddr("resumable") }
func (c *resumeConn) SetDeadline(time.Time) error      { return nil }
func (c *resumeConn) SetReadDeadline(time.Time) error  { return nil }
func (c *resumeConn) SetWriteDeadline(time.Time) error { return nil }
