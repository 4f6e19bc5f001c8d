package mux

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/telechan/telechan/internal/ratelimit"
)

// The server side of resumption: the sessions a Handler can resume,
// looked up by token.
//
// A resume runs the Handler's checks again (the Host check, Authorize, the
// origin check) on the new upgrade request, then must present the
// session's current token and the same identity (see identity); the token
// is replaced by a fresh one at every resume, so a token is good for one
// resume only. Attempts are rate-limited per Handler. At most MaxParked
// sessions may be down at once: beyond that, a session whose connection
// goes down ends at once.

// parking holds a Handler's resumable sessions.
type parking struct {
	mu       sync.Mutex
	sessions map[token]*parked
	down     int // sessions whose connection is down
	max      int
	limiter  ratelimit.Bucket
	identify func(*http.Request) string
}

// parked is one resumable session.
type parked struct {
	rc       *resumeConn
	identity [sha256.Size]byte
	down     bool
}

func newParking(o *Options) *parking {
	return &parking{
		sessions: make(map[token]*parked),
		max:      o.MaxParked,
		limiter:  ratelimit.New(float64(o.ResumeRate), 2*o.ResumeRate),
		identify: o.ResumeIdentity,
	}
}

// identity is what a resume must present the same of: the request's
// credentials (its Authorization header and TLS client certificate), and
// what Options.ResumeIdentity says of it. A stolen token is no use to a
// caller with other credentials.
func (p *parking) identity(r *http.Request) [sha256.Size]byte {
	h := sha256.New()
	fmt.Fprintf(h, "authorization %q\n", r.Header.Get("Authorization"))
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		h.Write(r.TLS.PeerCertificates[0].Raw)
	}
	if p.identify != nil {
		fmt.Fprintf(h, "\nidentity %q", p.identify(r))
	}
	var id [sha256.Size]byte
	h.Sum(id[:0])
	return id
}

// handshakeTimeout bounds a client's hello.
const handshakeTimeout = 10 * time.Second

// acceptResumable takes a WebSocket whose client speaks the resumption
// layer: a new session (returned, to be served) or a resume of a parked
// one (nil is returned: the session goes on where it runs).
func (p *parking) acceptResumable(r *http.Request, ws *websocket.Conn, o *Options) (*resumeConn, *transport, error) {
	tr := newTransport(context.WithoutCancel(r.Context()), ws, nil)
	tr.nc.SetDeadline(time.Now().Add(handshakeTimeout))
	hello, err := readClientHello(tr.nc)
	tr.nc.SetDeadline(time.Time{})
	if err != nil {
		tr.kill()
		return nil, nil, fmt.Errorf("mux: accept: resume handshake: %w", err)
	}
	if hello.tok == (token{}) {
		return p.newSession(r, tr, o)
	}
	return nil, nil, p.resume(r, tr, hello)
}

// newSession registers a new resumable session and greets its client.
func (p *parking) newSession(r *http.Request, tr *transport, o *Options) (*resumeConn, *transport, error) {
	tok := newToken()
	rc := newResumeConn(false, o, tok)
	entry := &parked{rc: rc, identity: p.identity(r)}
	if err := tr.write(serverWelcome{status: rsmNew, tok: tok}.append(nil)); err != nil {
		tr.kill()
		return nil, nil, fmt.Errorf("mux: accept: %w", err)
	}
	p.mu.Lock()
	p.sessions[tok] = entry
	p.mu.Unlock()
	rc.onDown = func(down bool) { p.changed(entry, down) }
	return rc, tr, nil
}

// changed follows a session's connection going down or coming back, and
// its end.
func (p *parking) changed(e *parked, down bool) {
	p.mu.Lock()
	switch {
	case down && !e.down:
		e.down = true
		p.down++
		if p.down > p.max {
			p.mu.Unlock()
			e.rc.fail(fmt.Errorf("%w: %d sessions are waiting to resume already", ErrNotResumed, p.max))
			return
		}
	case !down && e.down:
		e.down = false
		p.down--
	}
	p.mu.Unlock()
}

// forget drops a session that has ended.
func (p *parking) forget(rc *resumeConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for tok, e := range p.sessions {
		if e.rc == rc {
			delete(p.sessions, tok)
			if e.down {
				p.down--
			}
		}
	}
}

// resume attaches tr to the session hello names, if it may.
func (p *parking) resume(r *http.Request, tr *transport, hello clientHello) error {
	refuse := func(status byte, reason string) error {
		tr.write(serverWelcome{status: status, reason: reason}.append(nil))
		tr.kill()
		return fmt.Errorf("mux: accept: resume refused: %s", reason)
	}
	id := p.identity(r)
	p.mu.Lock()
	if !p.limiter.Take(time.Now()) {
		p.mu.Unlock()
		return refuse(rsmBusy, "too many resume attempts; try again")
	}
	e := p.sessions[hello.tok]
	switch {
	case e == nil:
		p.mu.Unlock()
		return refuse(rsmRefused, "no such session (the server may have restarted, or the grace window passed)")
	case e.identity != id:
		p.mu.Unlock()
		return refuse(rsmRefused, "the credentials differ from the session's")
	}
	if e.rc.isClosed() {
		p.mu.Unlock()
		return refuse(rsmRefused, "the session has ended")
	}
	next := newToken()
	delete(p.sessions, hello.tok)
	p.sessions[next] = e
	p.mu.Unlock()
	rc := e.rc
	// The old connection may still look alive here (the client saw it
	// fail first): take it away before counting what arrived, or bytes it
	// still delivers would arrive twice.
	received := rc.detach()
	if err := tr.write(serverWelcome{status: rsmResumed, tok: next, received: received}.append(nil)); err != nil {
		tr.kill()
		return fmt.Errorf("mux: accept: %w", err)
	}
	rc.setToken(next)
	if err := rc.attach(tr, hello.received); err != nil {
		tr.kill()
		return fmt.Errorf("mux: accept: resume: %w", err)
	}
	return nil
}
