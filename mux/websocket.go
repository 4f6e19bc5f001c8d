package mux

import (
	"context"
	"fmt"
	"net"
	"net/http"

	"github.com/coder/websocket"
)

// Dial opens a WebSocket connection to url (ws:// or wss://; http:// and
// https:// work too) and runs the client side of a session over it. The
// server side is [Accept] or [Handler].
//
// ctx bounds the handshake only: cancelling it later does not affect the
// session. If ctx ends during the handshake, Dial returns ctx's error
// unchanged. Options.HTTPClient and Options.HTTPHeader shape the handshake
// request, e.g. for TLS settings, a proxy or an Authorization header. If the
// server answers with an HTTP status instead of the upgrade, the error wraps
// a [*HandshakeError]: it matches [ErrUnauthorized] when the server wants
// (other) credentials and [ErrForbidden] when it refuses this client or its
// Origin.
func Dial(ctx context.Context, url string, opts *Options) (*Session, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return dial(ctx, url, o)
}

// dial is Dial with validated options.
func dial(ctx context.Context, url string, o *Options) (*Session, error) {
	if o.resumable() {
		return dialResumableSession(ctx, url, o)
	}
	hc, corked := corkingClient(o.HTTPClient)
	ws, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{
		HTTPClient: hc,
		HTTPHeader: o.HTTPHeader,
	})
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr // the handshake was cut short by ctx
		}
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			err = &HandshakeError{StatusCode: resp.StatusCode} // refused: say how
		}
		return nil, fmt.Errorf("mux: dial %s: %w", url, err)
	}
	return overWebSocket(context.WithoutCancel(ctx), ws, wsAddr(url), true, corked(), o)
}

// dialResumableSession dials url offering resumption, and runs the
// session on what the server agrees to.
func dialResumableSession(ctx context.Context, url string, o *Options) (*Session, error) {
	life, cancel := context.WithCancel(context.WithoutCancel(ctx))
	rc, ws, cork, err := dialResumable(ctx, life, url, o)
	if err != nil {
		cancel()
		return nil, err
	}
	if rc == nil { // the server does not resume sessions
		cancel()
		return overWebSocket(context.WithoutCancel(ctx), ws, wsAddr(url), true, cork, o)
	}
	return overResumable(life, cancel, rc, wsAddr(url), true, o)
}

// overResumable runs a session on rc; ctx is its lifetime and cancel
// cancels it.
func overResumable(ctx context.Context, cancel context.CancelFunc, rc *resumeConn, remote net.Addr, client bool, o *Options) (*Session, error) {
	conn := newMsgConnOver(rc, func() { rc.fail(net.ErrClosed) }, rc.Close, o.msgHook)
	if o.msgHook == nil { // a hook watches the messages: they go through it
		conn.rc = rc
	}
	s, err := newSessionOver(ctx, cancel, conn, rc, remote, client, o)
	if err != nil {
		conn.Close()
		cancel()
		return nil, err
	}
	return s, nil
}

// Accept upgrades the HTTP request r to a WebSocket and runs the server side
// of a session over it. On failure Accept has already written an HTTP error
// response: a request that Options.Authorize refuses gets 401 Unauthorized
// or 403 Forbidden (and the error matches [ErrUnauthorized] or
// [ErrForbidden]); a request from a page of another origin is rejected with
// 403 Forbidden unless Options.OriginPatterns allows it; so is a request
// whose Host header names a host the server does not serve (see
// Options.AllowedHosts).
//
// The session does not depend on r's context, which ends when the handler
// returns, and the handler may return while the session goes on. Prefer
// [Handler], which ties the two together.
func Accept(w http.ResponseWriter, r *http.Request, opts *Options) (*Session, error) {
	o, err := opts.withDefaults()
	if err != nil {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return nil, err
	}
	return accept(w, r, o)
}

// accept is Accept with validated options.
func accept(w http.ResponseWriter, r *http.Request, o *Options) (*Session, error) {
	return acceptIn(w, r, o, nil)
}

// acceptIn accepts r as a session, resumable if park is not nil and the
// client offers it. A request that resumes a session parked in park
// returns a nil session and a nil error: the session goes on where it
// runs.
func acceptIn(w http.ResponseWriter, r *http.Request, o *Options, park *parking) (*Session, error) {
	if err := o.hosts.Check(r); err != nil {
		http.Error(w, http.StatusText(http.StatusForbidden), http.StatusForbidden)
		return nil, fmt.Errorf("mux: accept: %w: %w", ErrForbidden, err)
	}
	if err := authorize(w, r, o.Authorize); err != nil {
		return nil, err
	}
	ao := &websocket.AcceptOptions{
		OriginPatterns:     o.OriginPatterns,
		InsecureSkipVerify: o.InsecureSkipVerify,
	}
	if park != nil {
		ao.Subprotocols = []string{resumeProtocol}
	}
	ws, err := websocket.Accept(w, r, ao)
	if err != nil {
		return nil, fmt.Errorf("mux: accept: %w", err)
	}
	if park == nil || ws.Subprotocol() != resumeProtocol {
		return overWebSocket(context.WithoutCancel(r.Context()), ws, nil, false, nil, o)
	}
	rc, tr, err := park.acceptResumable(r, ws, o)
	if err != nil || rc == nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	s, err := overResumable(ctx, cancel, rc, remoteAddr(r.RemoteAddr), false, o)
	if err != nil {
		park.forget(rc)
		tr.kill()
		return nil, err
	}
	if err := rc.attach(tr, 0); err != nil {
		park.forget(rc)
		s.Close()
		return nil, err
	}
	return s, nil
}

// remoteAddr is the address of an HTTP client, as a net.Addr.
type remoteAddr string

func (a remoteAddr) Network() string { return "tcp" }
func (a remoteAddr) String() string  { return string(a) }

// Handler returns an http.Handler that accepts each request as a session
// (see [Accept]), runs serve with it, and closes the session when serve
// returns. The ctx passed to serve carries the request's values and is
// cancelled when the session ends, for whatever reason. Each request runs in
// its own goroutine, so one handler serves any number of sessions; mount it
// in any http.ServeMux, next to other routes and behind TLS.
//
// Handler panics if serve is nil or opts is invalid.
func Handler(serve func(ctx context.Context, s *Session), opts *Options) http.Handler {
	if serve == nil {
		panic("mux: Handler: nil serve function")
	}
	o := opts.mustDefaults("Handler")
	var park *parking
	if o.resumable() {
		park = newParking(o)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := acceptIn(w, r, o, park)
		if err != nil {
			if o.Logger != nil {
				o.Logger.Debug("mux: rejected request", "remote", r.RemoteAddr, "err", err)
			}
			return
		}
		if s == nil {
			return // a resume: the session goes on in its own handler
		}
		if s.resume != nil {
			defer park.forget(s.resume) // after Close: no more resumes
		}
		defer s.Close()
		serve(s.ctx, s)
	})
}

// overWebSocket runs a session over ws with a fresh lifetime context derived
// from parent. remote, if not nil, is reported as the remote address.
func overWebSocket(parent context.Context, ws *websocket.Conn, remote net.Addr, client bool, cork *corkConn, o *Options) (*Session, error) {
	// The WebSocket gets a context of its own, cancelled when yamux closes
	// the connection; the session context ends later, once Err is settled.
	ctx, cancel := context.WithCancel(parent)
	wsCtx, wsCancel := context.WithCancel(ctx)
	conn := newMsgConn(wsCtx, wsCancel, ws, o.msgHook)
	conn.cork = cork
	s, err := newSession(ctx, cancel, conn, remote, client, o)
	if err != nil {
		_ = conn.Close()
		cancel()
		return nil, err
	}
	return s, nil
}

// wsAddr is the remote address of a dialled session: the URL.
type wsAddr string

var _ net.Addr = wsAddr("")

func (a wsAddr) Network() string { return "websocket" }
func (a wsAddr) String() string  { return string(a) }
