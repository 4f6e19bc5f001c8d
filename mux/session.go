package mux

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/yamux"
)

// Design note: who owns what.
//
// A Session owns these goroutines:
//
//   - yamux's receive loop and send loop, started by yamux.Client/Server.
//     yamux.Session.Close closes the connection and waits for both loops.
//   - watch, started when yamux closes the connection as it shuts down
//     (for any reason): settles Err, cancels the session context and
//     closes Done. An open session has no goroutine waiting for its end.
//   - keepalive (unless disabled): a timer whose function pings and, while
//     the ping is out, one ping goroutine (keepalive.go). Between pings,
//     no goroutine.
//   - one opener per Session.Open call whose context can be cancelled,
//     until yamux has opened the stream.
//   - short-lived goroutines yamux starts to answer the peer's pings.
//   - over WebSocket, msgConn's flusher while frames wait to be written
//     (wsconn.go); watch waits for it once yamux has closed the connection.
//
// The connection below yamux is a trackConn (track.go) over either the
// caller's net.Conn or, for WebSocket, a msgConn (wsconn.go) over a
// wsNetConn (wsstream.go), or over a resumeConn whose transports read and
// write a wsStream. coder/websocket runs no goroutine of its own; its calls
// get no context (which would cost allocations per call), and one
// context.AfterFunc per WebSocket closes it when its context ends. That
// context is a child of the session context, cancelled by msgConn.Close when
// yamux closes the connection; the session context itself (the ctx of a
// Handler's serve function) is cancelled by watch once Err is settled.
//
// Close marks the session closed, calls yamux.Session.Close (which closes
// the connection and waits for the receive and send loops), then waits on wg
// for watch, keepalive, pings and openers. All of them end once yamux has
// shut down. What Close cannot wait for, short of patching yamux, is the
// tail of yamux's own goroutines: after its loop has ended (which Close does
// wait for), the receive or send goroutine calls yamux's Close again, which
// waits for yamux's shutdown lock, finds the session shut down and returns;
// a ping-answer goroutine sees the shutdown and returns, possibly logging
// the failed answer. No I/O and no timer is involved; leak checkers such as
// goleak, which retry briefly, see them go.
//
// Locking: mu guards err, cause and closing. It is never held across I/O, a
// yamux call or a log call.

// Session is one multiplexed connection: a yamux session over a WebSocket or
// a net.Conn, carrying any number of [Stream]s opened by either side. Make one
// with [Dial], [Accept], [Handler], [Client], [Server] or [Pipe].
//
// All methods are safe for concurrent use. An idle Session runs two
// goroutines, yamux's reader and writer; briefly, it also runs a keepalive
// ping (a timer starts it), one per [Session.Open] waiting with a
// cancellable context, and, at its end, one that settles [Session.Err] and
// closes [Session.Done]. They all end when the session ends, and
// [Session.Close] waits for them. Close a session when done with it, even
// after it was lost.
type Session struct {
	ys     *yamux.Session
	opts   *Options
	log    *slog.Logger
	client bool
	track  *tracker
	// flushers, if set, waits for the goroutines of the connection under
	// yamux (msgConn's flusher).
	flushers func()
	local    net.Addr
	remote   net.Addr

	ctx       context.Context // session lifetime; cancelled when it ends
	cancel    context.CancelFunc
	done      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once

	mu      sync.Mutex
	err     error // final error, set once when the session ends
	cause   error // first failure seen; reported with ErrLost
	closing bool  // Close has begun: start no more tracked goroutines
	ended   bool  // yamux has closed the connection: watch runs
	// onAccept is NotifyAccept's function. early counts the streams told
	// of before it was set less those accepted before it was set: below
	// zero when an Accept took a stream before its notice came.
	onAccept func()
	early    int
	endTold  bool        // onAccept was told of the end
	ka       *time.Timer // the keepalive's, or nil

	// resume is the stream under yamux of a resumable session, or nil.
	resume *resumeConn

	smu     sync.Mutex // guards state and stateCh; a leaf
	state   State
	stateCh chan struct{} // closed at the next change of state
}

// newSession runs a yamux session over conn. ctx is the session lifetime
// context and cancel cancels it. remote, if not nil, replaces
// conn.RemoteAddr(). The caller has validated o.
func newSession(ctx context.Context, cancel context.CancelFunc, conn net.Conn, remote net.Addr, client bool, o *Options) (*Session, error) {
	return newSessionOver(ctx, cancel, conn, nil, remote, client, o)
}

// newSessionOver is newSession for a connection that is, or runs over, rc
// (nil: not resumable).
func newSessionOver(ctx context.Context, cancel context.CancelFunc, conn net.Conn, rc *resumeConn, remote net.Addr, client bool, o *Options) (*Session, error) {
	if remote == nil {
		remote = conn.RemoteAddr()
	}
	s := &Session{
		opts:    o,
		log:     o.Logger,
		client:  client,
		track:   newTracker(o),
		local:   conn.LocalAddr(),
		remote:  remote,
		ctx:     ctx,
		cancel:  cancel,
		done:    make(chan struct{}),
		resume:  rc,
		state:   Connected,
		stateCh: make(chan struct{}),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if w, ok := conn.(interface{ wait() }); ok {
		s.flushers = w.wait
	}
	tc := &trackConn{Conn: conn, t: s.track, onError: s.noteCause, onClose: s.ending, onIncoming: s.incoming}
	start := yamux.Server
	if client {
		start = yamux.Client
	}
	if rc != nil {
		rc.mu.Lock()
		rc.onChange = s.setState
		rc.mu.Unlock()
	}
	ys, err := start(tc, o.yamuxConfig(rc != nil))
	if err != nil {
		cancel()
		return nil, fmt.Errorf("mux: %w", err)
	}
	s.mu.Lock()
	s.ys = ys
	if o.keepAlive() && !s.ended {
		s.ka = time.AfterFunc(o.KeepAliveInterval, s.keepalive)
	}
	s.mu.Unlock()
	return s, nil
}

// ending is told that yamux is closing the connection as it shuts down
// (Close, a failed read or write, the keepalive): it stops the keepalive
// and starts watch. yamux calls it once, under its shutdown lock, so a
// concurrent Close cannot reach its Wait before the Add here.
func (s *Session) ending() {
	s.mu.Lock()
	s.ended = true
	if s.ka != nil {
		s.ka.Stop()
	}
	s.wg.Add(1)
	s.mu.Unlock()
	go s.watch()
}

// watch settles the session's end once yamux is shutting down.
func (s *Session) watch() {
	defer s.wg.Done()
	if s.flushers != nil {
		s.flushers() // yamux closed the connection: the flusher is ending
	}
	err := s.endErr()
	s.log.Debug("mux: session ended", "err", err, "remote", s.remote)
	s.setState(Lost)
	s.cancel()
	s.track.signalAll()
	close(s.done)
	s.mu.Lock()
	f := s.onAccept
	tell := f != nil && !s.endTold
	s.endTold = s.endTold || tell
	s.mu.Unlock()
	if tell {
		f()
	}
}

// NotifyAccept arranges for f to be called once for each stream the peer
// opens, when it is ready to be taken with Accept (which then returns it
// at once), and once more when the session has ended (Accept then returns
// the error); streams already waiting are told of at once. With it, a
// server of streams needs no goroutine blocked in Accept while none
// arrives. f runs on the session's reader goroutine and must not block;
// it is usually a counter and a worker started on demand. If yamux turned
// a stream away (its accept backlog full), f was told of it all the same,
// and an Accept for it waits for the next stream. Call NotifyAccept once,
// and from then on call Accept only as f says.
func (s *Session) NotifyAccept(f func()) {
	s.mu.Lock()
	s.onAccept = f
	n := max(s.early, 0)
	s.early -= n
	end := false
	select {
	case <-s.done:
		end = !s.endTold
		s.endTold = true
	default:
	}
	s.mu.Unlock()
	for range n {
		f()
	}
	if end {
		f()
	}
}

// incoming is told by the reader of n streams queued for Accept.
func (s *Session) incoming(n int) {
	s.mu.Lock()
	f := s.onAccept
	s.early += n
	if f == nil {
		n = 0
	} else {
		n = max(s.early, 0)
		s.early -= n
	}
	s.mu.Unlock()
	for range n {
		f()
	}
}

// Open opens a new stream to the peer. The peer receives it from
// [Session.Accept]. Open does not wait for the peer to accept the stream;
// data may be written at once. It blocks only while AcceptBacklog streams
// opened by this side are still unaccepted by the peer.
//
// Cancelling ctx aborts that wait only, never the session; Open then returns
// ctx's error unchanged. If yamux opens the stream after Open gave up, the
// stream is closed at once, so the peer may accept a stream that is empty
// (its first Read returns io.EOF).
func (s *Session) Open(ctx context.Context) (*Stream, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.ys.IsClosed() {
		return nil, s.endErr()
	}
	if n := s.track.live(); n >= s.opts.MaxStreams {
		return nil, fmt.Errorf("%w (%d)", ErrTooManyStreams, n)
	}
	if ctx.Done() == nil {
		ys, err := s.ys.OpenStream()
		return s.newStream(ys, err, true)
	}
	return s.openCtx(ctx)
}

// openCtx runs yamux's OpenStream, which takes no context, in a tracked
// goroutine and hands the stream over unless ctx ended first.
func (s *Session) openCtx(ctx context.Context) (*Stream, error) {
	type result struct {
		ys  *yamux.Stream
		err error
	}
	handoff := make(chan result) // unbuffered: exactly one side owns the stream
	abandon := make(chan struct{})
	started := s.goTracked(func() {
		ys, err := s.ys.OpenStream()
		select {
		case handoff <- result{ys, err}:
		case <-abandon:
			if ys != nil {
				_ = ys.Close()
			}
		}
	})
	if !started {
		return nil, s.endErr()
	}
	select {
	case r := <-handoff:
		return s.newStream(r.ys, r.err, true)
	case <-ctx.Done():
		close(abandon)
		return nil, ctx.Err()
	}
}

// Accept waits for the next stream opened by the peer. Cancelling ctx ends
// this call only, returning ctx's error unchanged. When the session ends,
// Accept returns an error matching ErrClosed or ErrLost.
func (s *Session) Accept(ctx context.Context) (*Stream, error) {
	ys, err := s.ys.AcceptStreamWithContext(ctx)
	if err != nil {
		return nil, s.sessionError(err)
	}
	s.mu.Lock()
	if s.onAccept == nil {
		s.early-- // its notice may not have come yet: incoming evens it out
	}
	s.mu.Unlock()
	return s.newStream(ys, nil, false)
}

// Close ends the session and every stream in it at once; it does not flush
// data still queued (close streams and wait for the peer's replies first if
// they matter). The peer's session ends with an error matching ErrLost.
//
// Close returns after every goroutine the session started has finished and
// the connection is closed. It is idempotent: it always returns nil, and a
// concurrent call waits for the first one to finish.
func (s *Session) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closing = true
		if s.err == nil && !s.ys.IsClosed() {
			s.err = ErrClosed
		}
		s.mu.Unlock()
		_ = s.ys.Close() // always nil
		s.wg.Wait()
	})
	return nil
}

// Done returns a channel that is closed when the session has ended, by Close
// or by the loss of the connection. [Session.Err] then says why.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err returns nil while the session is open. Once it has ended it returns
// ErrClosed if Close ended it, and otherwise an error wrapping ErrLost and
// the cause: the peer closed the connection, reading or writing it failed, or
// the peer stopped answering keepalive pings.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// IsClient reports whether the session plays the yamux client role (Dial,
// Client, the first session of Pipe). Client-opened streams have odd IDs,
// server-opened streams even IDs.
func (s *Session) IsClient() bool { return s.client }

// LocalAddr returns the local address of the connection. For a session made
// by Dial it is a placeholder (coder/websocket does not expose the socket).
func (s *Session) LocalAddr() net.Addr { return s.local }

// RemoteAddr returns the remote address of the connection. For a session
// made by Dial it is the dialled URL.
func (s *Session) RemoteAddr() net.Addr { return s.remote }

// NumStreams returns the number of streams yamux currently tracks: open,
// half-closed, or opened by the peer and waiting for Accept.
func (s *Session) NumStreams() int { return s.ys.NumStreams() }

// goTracked runs f in a goroutine that Close waits for, unless Close has
// begun; it reports whether f was started.
func (s *Session) goTracked(f func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
	return true
}

// noteCause records err as the cause of a loss unless one is known already.
func (s *Session) noteCause(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cause == nil {
		s.cause = err
	}
}

// fail ends the session because of cause (keepalive or write timeout).
func (s *Session) fail(cause error) {
	s.noteCause(cause)
	if !s.ys.IsClosed() {
		s.log.Warn("mux: declaring the peer dead", "cause", cause, "remote", s.remote)
	}
	_ = s.ys.Close()
}

// endErr returns the final error of a session that has ended (yamux has shut
// down), settling it on first use: the first of Close and the loss wins.
func (s *Session) endErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = lostError(s.cause)
	}
	return s.err
}
