package mux

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/yamux"

	"github.com/telechan/telechan/internal/hostcheck"
)

// Defaults applied to zero fields of [Options]. They suit a LAN or a good
// internet link; see the package documentation for a slow or flaky link.
const (
	defaultKeepAliveInterval = 15 * time.Second
	defaultKeepAliveTimeout  = 10 * time.Second
	defaultAcceptBacklog     = 256
	defaultFrameSize         = 16 << 10
	defaultStreamWindow      = 256 << 10 // also yamux's minimum
	defaultMaxStreams        = 8192
	defaultHalfCloseTimeout  = time.Minute

	// minFrameSize and maxFrameSize bound Options.FrameSize.
	minFrameSize = 1 << 10
	maxFrameSize = 256 << 10
)

// Options configures a [Session]. Every constructor takes a *Options: nil
// means all defaults, and a zero field means the default its comment states.
// The constructors copy the struct, so changing it afterwards has no effect on
// sessions already made.
type Options struct {
	// KeepAliveInterval is the period of the keepalive ping. Default 15s.
	// A negative value disables keepalive: a peer that vanishes without
	// closing the connection is then only noticed when a write fails.
	KeepAliveInterval time.Duration

	// KeepAliveTimeout is how long the session waits for the answer to a
	// keepalive ping, or for a frame to be taken by the connection, before it
	// declares the peer dead and ends with an error wrapping ErrLost.
	// Default 10s. A dead peer is noticed within
	// KeepAliveInterval+KeepAliveTimeout.
	KeepAliveTimeout time.Duration

	// AcceptBacklog is how many streams opened by the peer may wait for
	// Session.Accept. When it is full, further streams are reset. It also
	// bounds how many streams this side may have opened that the peer has
	// not yet accepted: Session.Open waits beyond that. Both sides should use
	// the same value. Default 256.
	AcceptBacklog int

	// FrameSize is the largest data frame Stream.Write sends in one piece.
	// A large write is cut into frames of at most FrameSize bytes, and frames
	// of all streams take turns on the connection, so a bulk transfer delays
	// a small message on another stream by about one frame. Default 16 KiB;
	// valid from 1 KiB to 256 KiB.
	FrameSize int

	// StreamWindow is the receive window of each stream: how many bytes the
	// peer may send on one stream before this side reads them. It bounds the
	// memory one stream can use and, with the round-trip time, the speed of
	// one stream. Default and minimum 256 KiB.
	StreamWindow uint32

	// MaxStreams bounds the streams alive on the session, opened by either
	// side, including those one side has closed and the other not yet:
	// Session.Open fails with ErrTooManyStreams beyond it, and a peer that
	// opens streams beyond MaxStreams+AcceptBacklog ends the session
	// (ErrLost). Each stream costs about 2 KiB here, plus what it has
	// buffered (at most StreamWindow). Both sides should use the same
	// value. Default 8192.
	MaxStreams int

	// HalfCloseTimeout is how long a stream this side closed waits for the
	// peer's FIN before this side forgets it (the peer still reads what
	// was written; only what it would say back is lost), so that a peer
	// that never closes cannot make the session hold every stream it ever
	// had. At most 1024 such streams wait: beyond that the oldest is
	// forgotten at once. A negative value waits forever. Streams closed
	// with Stream.CloseWrite wait forever too. Default 1 minute.
	HalfCloseTimeout time.Duration

	// ResumeGrace is how long a WebSocket session survives the loss of its
	// connection (Dial and Handler sessions; Dial offers resumption and
	// Handler accepts it by default). While the connection is down, the
	// session is Reconnecting: streams, channels and calls wait; the client
	// dials again with backoff; the server keeps the session parked. When
	// the connection comes back within ResumeGrace, both sides send again
	// what the other did not receive and the session goes on, every byte
	// once and in order: nothing above mux sees the outage. Otherwise the
	// session ends with an error matching ErrNotResumed (and ErrLost).
	// Default 30s; a negative value turns resumption off (a lost
	// connection ends the session at once). Sessions over Pipe, Client,
	// Server and Accept are never resumable.
	ResumeGrace time.Duration

	// ReplayBuffer bounds, per resumable session, the memory that holds
	// what was sent and not yet acknowledged by the peer, kept to be sent
	// again after an outage (each write is counted by the size of the
	// buffer that holds it, at least 256 bytes). It fills to about the
	// bytes in flight (acknowledgements come every round trip); when
	// full, writes wait, as on a slow link. Default 4 MiB.
	ReplayBuffer int

	// Redial, if set, is asked for the URL to dial each time a resumable
	// client session reconnects, e.g. to resolve a topic through the
	// registry again. Default: the URL first dialled.
	Redial func(ctx context.Context) (string, error)

	// MaxParked bounds the sessions of a Handler whose connection is down
	// and waiting to be resumed; beyond it, a session whose connection
	// goes down ends at once. Default 1024.
	MaxParked int

	// ResumeRate bounds the resume attempts a Handler takes, per second
	// (bursts of twice as many); more are told to try again. Default 20.
	ResumeRate int

	// ResumeIdentity, if set, adds to what a resume must present the same
	// of as the session's first request (its Authorization header and its
	// TLS client certificate): e.g. a user name read from a cookie. A
	// session's token alone does not resume it for other credentials.
	ResumeIdentity func(r *http.Request) string

	// Logger receives the session's log lines, including those of yamux.
	// nil discards them; nothing is ever written to stderr.
	Logger *slog.Logger

	// OriginPatterns lists the host patterns of cross-origin pages allowed
	// to connect (server side: Accept and Handler). The check is on by
	// default: a request without an Origin header (a program, not a browser)
	// and a page of the request's own host are always allowed; any other
	// Origin is rejected with 403 Forbidden, which keeps a web page on
	// another site from using a visitor's browser to reach the server.
	// Patterns use path.Match syntax and match the Origin's host, e.g.
	// "*.example.com" or "ops.example.org:8443". The dialler sees an error
	// matching ErrForbidden.
	OriginPatterns []string

	// AllowedHosts lists the host names this server serves besides IP
	// literals and localhost (server side: Accept and Handler), in
	// path.Match syntax, e.g. "robot.example.com" or "*.fleet.example".
	// It defeats DNS rebinding, where a page on another site makes the
	// browser resolve that site's name to this server and then passes the
	// origin check as its own origin: a request from a browser (one with an
	// Origin or Sec-Fetch-* header), and any request on a loopback
	// listener, must name in its Host header an IP literal, localhost (or a
	// name under .localhost), or one of these patterns; any other is
	// refused with 403 Forbidden before the upgrade. Programs dialling a
	// non-loopback server are not checked. "*" turns the check off.
	AllowedHosts []string

	// InsecureSkipVerify disables the origin check (server side). Any web
	// page a user visits can then open a session to the server with the
	// user's cookies and network position (cross-site WebSocket hijacking).
	// Only use it when the server authenticates sessions by other means.
	// It may not be combined with OriginPatterns.
	InsecureSkipVerify bool

	// Authorize, if set, decides whether an upgrade request may become a
	// session (server side: Accept and Handler). It runs before the
	// WebSocket handshake and before the origin check, in the request's
	// goroutine, and may read anything of the request: headers, the TLS
	// state (client certificates), the remote address. A non-nil error
	// refuses the request with no upgrade: 403 Forbidden if the error
	// matches ErrForbidden, else 401 Unauthorized with a
	// "WWW-Authenticate: Bearer" challenge. The response carries only the
	// status text, never the error's message; Accept returns an error
	// matching ErrUnauthorized or ErrForbidden, and Dial on the other side
	// a *HandshakeError matching the same sentinel. [BearerToken] makes a
	// hook that checks an "Authorization: Bearer" header. nil admits every
	// request (the origin check still applies).
	Authorize func(r *http.Request) error

	// HTTPClient performs the WebSocket handshake in Dial. nil means
	// http.DefaultClient. Its Timeout, if any, bounds the handshake only.
	// When its Transport is an *http.Transport (whose TCP dialer is used),
	// Dial uses a clone of it whose connections write each WebSocket
	// message in one system call (a client masks what it sends, and the
	// WebSocket library would otherwise flush every 4 KiB).
	HTTPClient *http.Client

	// HTTPHeader is added to Dial's handshake request, e.g.
	// {"Authorization": {"Bearer " + token}} for a server whose Authorize
	// hook is BearerToken. Over ws:// the header crosses the network in
	// clear text: send credentials over wss:// only.
	HTTPHeader http.Header

	// hosts is AllowedHosts compiled by withDefaults.
	hosts *hostcheck.Checker

	// msgHook, if set, wraps the message-per-Write connection under the
	// frame coalescer. Tests use it to watch WebSocket messages.
	msgHook func(net.Conn) net.Conn

	// ackDelay, if set, replaces how long a resumable session waits for
	// data to carry an acknowledgement (defaultAckDelay). Tests only.
	ackDelay time.Duration
}

// withDefaults validates o and returns a copy with every default filled in.
func (o *Options) withDefaults() (*Options, error) {
	var c Options
	if o != nil {
		c = *o
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	c.OriginPatterns = slices.Clone(c.OriginPatterns)
	c.AllowedHosts = slices.Clone(c.AllowedHosts)
	hosts, err := hostcheck.New(c.AllowedHosts)
	if err != nil {
		return nil, fmt.Errorf("mux: AllowedHosts: %w", err)
	}
	c.hosts = hosts
	c.HTTPHeader = c.HTTPHeader.Clone()
	setDefault(&c.KeepAliveInterval, defaultKeepAliveInterval)
	setDefault(&c.KeepAliveTimeout, defaultKeepAliveTimeout)
	setDefault(&c.AcceptBacklog, defaultAcceptBacklog)
	setDefault(&c.FrameSize, defaultFrameSize)
	setDefault(&c.StreamWindow, defaultStreamWindow)
	setDefault(&c.MaxStreams, defaultMaxStreams)
	setDefault(&c.ResumeGrace, defaultResumeGrace)
	setDefault(&c.ReplayBuffer, defaultReplayBuffer)
	setDefault(&c.MaxParked, defaultMaxParked)
	setDefault(&c.ResumeRate, 20)
	setDefault(&c.HalfCloseTimeout, defaultHalfCloseTimeout)
	return &c, nil
}

// mustDefaults is withDefaults for constructors that cannot return an error.
func (o *Options) mustDefaults(fn string) *Options {
	c, err := o.withDefaults()
	if err != nil {
		panic(fmt.Sprintf("mux: %s: %v", fn, err))
	}
	return c
}

func setDefault[T comparable](p *T, def T) {
	var zero T
	if *p == zero {
		*p = def
	}
}

// validate reports the first invalid field or combination. The zero Options
// is valid.
func (o *Options) validate() error {
	switch {
	case o.KeepAliveTimeout < 0:
		return errors.New("mux: KeepAliveTimeout must not be negative")
	case o.AcceptBacklog < 0:
		return errors.New("mux: AcceptBacklog must not be negative")
	case o.MaxStreams < 0:
		return errors.New("mux: MaxStreams must not be negative")
	case o.ReplayBuffer < 0 || o.MaxParked < 0 || o.ResumeRate < 0:
		return errors.New("mux: ReplayBuffer, MaxParked and ResumeRate must not be negative")
	case o.FrameSize != 0 && (o.FrameSize < minFrameSize || o.FrameSize > maxFrameSize):
		return fmt.Errorf("mux: FrameSize %d outside %d..%d", o.FrameSize, minFrameSize, maxFrameSize)
	case o.StreamWindow != 0 && o.StreamWindow < defaultStreamWindow:
		return fmt.Errorf("mux: StreamWindow %d below the minimum %d", o.StreamWindow, defaultStreamWindow)
	case o.InsecureSkipVerify && len(o.OriginPatterns) > 0:
		return errors.New("mux: InsecureSkipVerify and OriginPatterns are exclusive")
	}
	for _, p := range o.OriginPatterns {
		// coder/websocket logs a malformed pattern to the standard logger
		// on every request; refuse it here instead.
		if _, err := path.Match(strings.ToLower(p), ""); err != nil {
			return fmt.Errorf("mux: OriginPatterns: %q: %w", p, err)
		}
	}
	return nil
}

// keepAlive reports whether the keepalive should ping.
func (o *Options) keepAlive() bool { return o.KeepAliveInterval > 0 }

// resumable reports whether WebSocket sessions resume.
func (o *Options) resumable() bool { return o.ResumeGrace > 0 }

// yamuxConfig translates o (with defaults filled in) into a yamux.Config.
//
// yamux's own keepalive is off: its goroutine is not waited for by
// yamux.Session.Close, so the session runs its own (keepalive.go).
// StreamOpenTimeout is off: an unaccepted stream must not kill the whole
// session; dead peers are the keepalive's job. StreamCloseTimeout is off: a
// half-closed stream is a normal long-lived state here (a receiver that never
// sends closes its side at once), and yamux would reset it after the timeout.
//
// A resumable session's writes wait for the connection to come back: its
// write timeout is the grace window on top.
func (o *Options) yamuxConfig(resumable bool) *yamux.Config {
	timeout := o.KeepAliveTimeout
	if resumable {
		timeout += o.ResumeGrace
	}
	c := &yamux.Config{
		AcceptBacklog:          o.AcceptBacklog,
		EnableKeepAlive:        false,
		KeepAliveInterval:      defaultKeepAliveInterval, // unused, must be > 0
		ConnectionWriteTimeout: timeout,
		MaxStreamWindowSize:    o.StreamWindow,
		StreamOpenTimeout:      0,
		StreamCloseTimeout:     0,
	}
	if o.Logger != nil {
		c.Logger = yamuxLogger{o.Logger}
	} else {
		c.LogOutput = io.Discard
	}
	return c
}
