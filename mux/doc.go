// Package mux carries many independent byte streams over one connection: a
// WebSocket, or any reliable net.Conn. It is the bottom layer of telechan;
// every remote channel is a stream of a mux [Session].
//
// A session is a [hashicorp/yamux] session. Each [Stream] is flow-controlled
// on its own, so a slow reader on one stream never stalls the others, and
// large writes are cut into bounded frames, so a bulk transfer delays a small
// message on another stream by about one frame in the session's own send
// queue. Bytes already handed to a slow link's buffers are another matter: a
// stream may have a whole window (256 KiB) there; rch's byte streams (rch/bin)
// pace themselves to keep that queue short.
//
// # Entry points
//
// Over WebSocket ([coder/websocket], binary messages, one yamux frame per
// message):
//
//   - [Dial] connects to a ws:// or wss:// URL: the client side.
//   - [Handler] is an http.Handler that accepts sessions and runs a function
//     for each: the server side. Mount it in any http.ServeMux, next to other
//     routes, behind TLS. [Accept] is the lower-level form for one request.
//
// Over any net.Conn (TCP, TLS, unix socket): [Client] and [Server].
//
// In memory, for tests and examples: [Pipe] returns two connected sessions
// that run the whole WebSocket stack over a net.Pipe.
//
// Then one side calls [Session.Open] and the other [Session.Accept]; both get
// a [Stream], an io.ReadWriteCloser whose Close is a half-close. Either side
// may open streams.
//
// # Options
//
// Every constructor takes an *[Options]; nil means the defaults, which are
// right for a LAN or a good internet link. A zero field means its default.
//
// # Ending a session and errors
//
// [Session.Close] ends the session and waits until every goroutine it started
// has finished. [Session.Done] is closed when the session ends for any
// reason, and [Session.Err] tells why: [ErrClosed] after a local Close, or an
// error wrapping [ErrLost] and the cause when the peer closed the connection,
// the connection failed, or the peer stopped answering. Blocked and later
// calls on the session and its streams return errors that match the same
// sentinel with [errors.Is]. A stream the peer had closed before the session
// ended still reads to io.EOF, so io.EOF always means a clean end.
//
// Context errors of Open and Accept are returned unchanged; a Stream's
// deadline errors match os.ErrDeadlineExceeded.
//
// # Keepalive and dead peers
//
// A peer can vanish without closing anything: a robot drives out of
// coverage, a NAT forgets the connection. Each session pings its peer every
// Options.KeepAliveInterval (15s) and declares it dead if the answer takes
// longer than Options.KeepAliveTimeout (10s); the same timeout applies to a
// frame waiting to be taken by the connection. A dead peer is thus noticed
// within KeepAliveInterval+KeepAliveTimeout, after which Done is closed and
// every blocked call returns an error wrapping ErrLost.
//
// # Tuning for a slow link
//
// On a slow or flaky link (4G, satellite, a congested uplink), consider:
//
//   - A larger KeepAliveTimeout, e.g. 30s. A frame waits behind the frames
//     of other streams already queued, and the timeout covers that wait too:
//     keep it well above (streams writing at once) × FrameSize ÷ bandwidth.
//     Too short a timeout declares a healthy but busy link dead.
//   - A smaller FrameSize, e.g. 4 KiB. A small message on one stream waits
//     for at most about one frame per other busy stream, so smaller frames
//     mean lower latency for control messages next to bulk transfers, at a
//     small cost in overhead (12 bytes of yamux header and a few bytes of
//     WebSocket framing per frame).
//   - KeepAliveInterval sets how soon a vanished peer is noticed; each ping
//     costs a few dozen bytes each way.
//   - StreamWindow bounds one stream's speed to about StreamWindow ÷ RTT
//     (256 KiB at 500 ms: 512 KiB/s). Raise it for fast links with a long
//     round trip; it also bounds the memory one stream may use.
//
// # Security
//
// The server side checks the Origin header by default: a page of another
// site is refused with 403 unless Options.OriginPatterns lists its host.
// Options.Authorize runs before the upgrade and can refuse a request with 401
// or 403; [BearerToken] is a ready-made hook, and the client sends the token
// with Options.HTTPHeader. A refused [Dial] returns a [*HandshakeError]
// matching [ErrUnauthorized] or [ErrForbidden]. Serve the handler with TLS
// and dial wss:// wherever the network is not trusted. docs/SECURITY.md lists
// every limit and its default.
//
// # Goroutines and concurrency
//
// A Session is safe for concurrent use. While idle it runs yamux's reader
// and writer goroutines and nothing else: the keepalive pings from a timer,
// the end is settled by a goroutine started when yamux shuts down, and
// [Session.NotifyAccept] lets a server of streams wait for none in Accept.
// Close waits for all of them. A Stream allows one Read and one Write at a time to
// run concurrently (concurrent Writes are serialised).
//
// # Testing
//
// Test over [Pipe], or the helpers of internal/test/muxtest, which also
// offer real loopback WebSocket and TCP pairs. Do not run sessions inside a
// testing/synctest bubble: yamux keeps timers in a process-wide sync.Pool,
// and a timer made inside a bubble and reused outside it (or in another
// bubble) crashes the test binary with "fatal error: reset of synctest timer
// from outside bubble".
//
// [hashicorp/yamux]: https://github.com/hashicorp/yamux
// [coder/websocket]: https://github.com/coder/websocket
package mux
