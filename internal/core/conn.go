// Package core is the untyped heart of package rch: the connection (its
// handshake, its port table and the goroutines it owns), the walk that finds
// channel halves inside values, the bounded queue behind every channel and
// the bridges that join a queue to a stream. Package rch and the channel
// kinds wrap it in thin generic types.
//
// # Ownership
//
// A Conn owns every goroutine that touches its streams: the acceptor
// while streams the peer opened wait (none while none arrives, see
// Conn.incoming), one short-lived goroutine per port stream (bounded by
// Config.MaxPortOpens) and the workers of the channels bound to it (a
// reader while a port's stream has frames to read, a writer while its
// queue has items to write; none while the channel is idle, see worker).
// Each is started with Conn.goroutine, which refuses once the connection
// has begun to shut down, so Close can wait for all of them.
//
// # Locks
//
// Conn.mu, Queue.mu and Port.mu are leaves: none is held across I/O, a
// codec call, or a call into another type. Close must not be called from a
// goroutine the Conn owns.
package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/telechan/telechan/codec"
	"github.com/telechan/telechan/internal/wire"
	"github.com/telechan/telechan/mux"
)

// Link is what a connection keeps for a half it sent away, until the peer
// claims the half's port by opening a stream to it.
type Link interface {
	// Connected hands over the stream the peer opened. It runs on a
	// goroutine the Conn owns and may run the half's bridge on it.
	Connected(c *Conn, st *mux.Stream)
	// Failed says the port will never be claimed.
	Failed(err error)
}

// Conn is one telechan connection: a mux session after the handshake.
type Conn struct {
	sess    *mux.Session
	codec   codec.Codec
	sendMax int // the largest item we send: the smaller of both limits
	recvMax int // the largest item we accept
	log     *slog.Logger
	cfg     Config
	mem     *budget // what the connection holds for its peer; see budget
	// rejecters counts the goroutines rejecting ports (see reject).
	rejecters atomic.Int32

	ctx    context.Context // done once the connection is shutting down
	cancel context.CancelCauseFunc

	mu       sync.Mutex
	offers   map[uint32]Link
	nextPort uint32
	closing  bool
	workers  Workers // every goroutine c owns; see goroutine
	// owed counts the streams the session told of that the acceptor has
	// not taken; accepting, whether it runs. portOpens bounds the port
	// headers read at once.
	owed      int
	accepting bool
	portOpens chan struct{}

	closeOnce sync.Once
}

func newConn(sess *mux.Session, cfg Config, cd codec.Codec, peerMax uint32) *Conn {
	ctx, cancel := context.WithCancelCause(context.Background())
	c := &Conn{
		sess:    sess,
		codec:   cd,
		recvMax: cfg.MaxItemSize,
		sendMax: min(cfg.MaxItemSize, int(min(peerMax, maxItemSizeLimit))),
		log:     cfg.Logger,
		cfg:     cfg,
		mem:     newBudget(cfg.MaxMemory),
		ctx:     ctx,
		cancel:  cancel,
		offers:  make(map[uint32]Link),
	}
	c.portOpens = make(chan struct{}, cfg.MaxPortOpens)
	if peerMax == 0 {
		c.sendMax = cfg.MaxItemSize
	}
	return c
}

// Session returns the mux session under c.
func (c *Conn) Session() *mux.Session { return c.sess }

// Codec returns the codec the peers agreed on.
func (c *Conn) Codec() codec.Codec { return c.codec }

// Logger returns c's logger.
func (c *Conn) Logger() *slog.Logger { return c.log }

// Context returns a context that is cancelled, with the reason as its
// cause, once the connection is shutting down.
func (c *Conn) Context() context.Context { return c.ctx }

// Done is closed once the connection is shutting down.
func (c *Conn) Done() <-chan struct{} { return c.ctx.Done() }

// Err returns nil while the connection is up, and then why it ended.
func (c *Conn) Err() error {
	if c.ctx.Err() == nil {
		return nil
	}
	return context.Cause(c.ctx)
}

// lost returns the error a channel reports once c is gone.
func (c *Conn) lost() error { return disconnected(c.Err()) }

// start begins serving the peer's port streams.
func (c *Conn) start() {
	c.sess.NotifyAccept(c.incoming)
}

// Close shuts the connection down: the session is closed, every channel on
// it ends with ErrDisconnected, and Close returns once every goroutine c
// owns has ended. It is idempotent.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		err := c.sess.Close()
		c.shutdown(fmt.Errorf("closed locally: %w", mux.ErrClosed))
		c.workers.Wait()
		if err != nil && !errors.Is(err, mux.ErrClosed) {
			c.log.Debug("rch: closing session", "err", err)
		}
	})
	return nil
}

// shutdown marks c as ending with cause and fails every offered port.
func (c *Conn) shutdown(cause error) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	c.closing = true
	c.cancel(cause)
	offers := c.offers
	c.offers = nil
	c.mu.Unlock()
	c.workers.Stop()
	err := c.lost()
	for _, l := range offers {
		l.Failed(err)
	}
}

// incoming is told by the session of a stream the peer opened, or of the
// session's end: the acceptor takes it, started if it is not running. It
// runs on the session's reader goroutine and does not block.
func (c *Conn) incoming() {
	c.mu.Lock()
	c.owed++
	start := !c.accepting
	c.accepting = true
	c.mu.Unlock()
	if start && !c.goroutine(c.acceptor) {
		c.mu.Lock()
		c.accepting = false
		c.mu.Unlock()
	}
}

// acceptor hands each stream the peer opened to servePort, as many as the
// session told of, then ends: an idle connection has no goroutine waiting
// for streams. At most MaxPortOpens port headers are read at once. When
// the session has ended, it shuts c down.
func (c *Conn) acceptor() {
	for {
		c.mu.Lock()
		if c.owed == 0 {
			c.accepting = false
			c.mu.Unlock()
			return
		}
		c.owed--
		c.mu.Unlock()
		st, err := c.sess.Accept(c.ctx)
		if err != nil {
			if c.ctx.Err() == nil {
				c.shutdown(c.sessionErr(err))
			}
			return
		}
		select {
		case c.portOpens <- struct{}{}:
		case <-c.ctx.Done():
			st.Close()
			return
		}
		if !c.goroutine(func() { c.servePort(st, c.portOpens) }) {
			st.Close()
			return
		}
	}
}

// sessionErr picks the most telling reason for the session's end.
func (c *Conn) sessionErr(err error) error {
	if serr := c.sess.Err(); serr != nil {
		return serr
	}
	return err
}

// servePort reads the port header of a stream the peer opened and hands the
// stream to the half offered on that port.
func (c *Conn) servePort(st *mux.Stream, sem chan struct{}) {
	st.SetReadDeadline(time.Now().Add(c.cfg.PortHeaderTimeout))
	port, err := wire.ReadPortHeader(st)
	st.SetReadDeadline(time.Time{})
	<-sem
	if err != nil {
		c.log.Debug("rch: bad port stream", "stream", st.ID(), "err", err)
		st.Close()
		return
	}
	c.mu.Lock()
	l, ok := c.offers[port]
	delete(c.offers, port)
	c.mu.Unlock()
	if !ok {
		c.log.Debug("rch: peer claimed an unknown port", "port", port)
		wire.WriteFrame(st, wire.Error, wire.ErrorPayload(wire.CodeDropped, fmt.Sprintf("no port %d", port)))
		st.Close()
		return
	}
	l.Connected(c, st)
}

// queueCap is the capacity of a queue for a half received with the
// capacity asked for in its reference: a request, clamped to MaxQueue,
// never a size to allocate.
func (c *Conn) queueCap(asked uint32) int {
	return int(min(max(asked, 1), uint32(c.cfg.MaxQueue)))
}

// ringCap is queueCap for a broadcast ring, clamped to MaxRing.
func (c *Conn) ringCap(asked uint32) int {
	return int(min(max(asked, 1), uint32(c.cfg.MaxRing)))
}

// reservePort returns a fresh port number.
func (c *Conn) reservePort() uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nextPort++
	if c.nextPort == 0 {
		c.nextPort = 1
	}
	return c.nextPort
}

// offer registers l under port until the peer claims it. Once c is
// shutting down, l fails at once.
func (c *Conn) offer(port uint32, l Link) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		l.Failed(c.lost())
		return
	}
	c.offers[port] = l
	c.mu.Unlock()
}

// errClaimTimeout is the cause of a claim cut short by ClaimTimeout.
var errClaimTimeout = errors.New("claim timeout")

// claim opens the stream that claims port on the peer.
// The peer's accept loop takes streams at once, so a claim that waits
// Config.ClaimTimeout means the peer is broken or hostile: the connection is
// closed.
func (c *Conn) claim(ctx context.Context, port uint32) (*mux.Stream, error) {
	octx, cancel := context.WithTimeoutCause(ctx, c.cfg.ClaimTimeout, errClaimTimeout)
	defer cancel()
	st, err := c.sess.Open(octx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if context.Cause(octx) == errClaimTimeout {
			c.log.Warn("rch: the peer accepts no stream; closing the connection", "timeout", c.cfg.ClaimTimeout)
			c.sess.Close()
			return nil, disconnected(fmt.Errorf("the peer accepted no stream within %v", c.cfg.ClaimTimeout))
		}
		return nil, disconnected(c.sessionErr(err))
	}
	if _, err := st.Write(wire.AppendPortHeader(nil, port)); err != nil {
		st.Close()
		return nil, disconnected(c.sessionErr(err))
	}
	return st, nil
}

// maxRejecters bounds the goroutines that reject ports at once: each opens
// a stream per port, and a peer decides how many bad items it sends.
const maxRejecters = 4

// reject claims the ports of refs only to tell their senders that they
// were dropped. It does not wait. With maxRejecters already at work, the
// ports are not told (the peer learns when the connection ends).
func (c *Conn) reject(refs []wire.Ref, why string) {
	if len(refs) == 0 {
		return
	}
	if c.rejecters.Add(1) > maxRejecters {
		c.rejecters.Add(-1)
		c.log.Debug("rch: too many rejections at once; ports not told", "ports", len(refs))
		return
	}
	started := c.goroutine(func() {
		defer c.rejecters.Add(-1)
		for _, r := range refs {
			st, err := c.claim(c.ctx, r.Port)
			if err != nil {
				return
			}
			wire.WriteFrame(st, wire.Error, wire.ErrorPayload(wire.CodeDropped, why))
			st.Close()
		}
	})
	if !started {
		c.rejecters.Add(-1)
	}
}

// rejectRaw rejects the ports referenced by raw, an item read from c that
// will never be decoded. It scans the bytes (wire.Scan): it never decodes
// them, which for a hostile item built of small maps cost 70 times its
// size.
func (c *Conn) rejectRaw(raw []byte, why string) {
	s, err := c.scan(raw)
	if err != nil {
		return
	}
	c.reject(s.Refs, why)
}

// classify turns a stream failure into the error a channel reports:
// disconnected when the session is gone, otherwise dropped.
func (c *Conn) classify(err error) error {
	if serr := c.sess.Err(); serr != nil {
		return disconnected(serr)
	}
	if c.ctx.Err() != nil {
		return c.lost()
	}
	if errors.Is(err, mux.ErrLost) || errors.Is(err, mux.ErrClosed) {
		return disconnected(err)
	}
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return ErrDropped
	}
	return fmt.Errorf("%w: %w", ErrDropped, err)
}

// release undoes a decode that failed at port failed: it closes the halves
// already attached and rejects the ports not yet claimed.
func (c *Conn) release(attached, pending []*Port, failed uint32) {
	for _, p := range attached {
		p.b.Close()
	}
	var refs []wire.Ref
	for _, p := range pending {
		if r, ok := p.received(); ok {
			refs = append(refs, r)
		}
	}
	c.reject(refs, fmt.Sprintf("another half (port %d) of the same message failed", failed))
}

// withdraw removes the offer on port, if the peer has not claimed it, and
// fails it with err.
func (c *Conn) withdraw(port uint32, err error) {
	c.mu.Lock()
	l, ok := c.offers[port]
	delete(c.offers, port)
	c.mu.Unlock()
	if ok {
		l.Failed(err)
	}
}
