package mux

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// The client side of resumption: the first dial, and the redialer.

// dialWebSocket dials url, offering the subprotocols, and returns the
// WebSocket and the socket under it (for corking), or an error as Dial
// reports it.
func dialWebSocket(ctx context.Context, url string, o *Options, subprotocols []string) (*websocket.Conn, *corkConn, error) {
	hc, corked := corkingClient(o.HTTPClient)
	ws, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{
		HTTPClient:   hc,
		HTTPHeader:   o.HTTPHeader,
		Subprotocols: subprotocols,
	})
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, nil, ctxErr // the handshake was cut short by ctx
		}
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			err = &HandshakeError{StatusCode: resp.StatusCode} // refused: say how
		}
		return nil, nil, fmt.Errorf("mux: dial %s: %w", url, err)
	}
	return ws, corked(), nil
}

// handshake writes hello on tr and reads the server's answer, within ctx.
func (tr *transport) handshake(ctx context.Context, hello clientHello) (serverWelcome, error) {
	if d, ok := ctx.Deadline(); ok {
		tr.nc.SetDeadline(d)
		defer tr.nc.SetDeadline(time.Time{})
	}
	if err := tr.write(hello.append(nil)); err != nil {
		return serverWelcome{}, err
	}
	return readServerWelcome(tr.nc)
}

// dialResumable makes the first connection of a resumable client session.
// If the server does not resume sessions, it returns the plain WebSocket
// to run the session on, and a nil resumeConn.
func dialResumable(ctx, life context.Context, url string, o *Options) (*resumeConn, *websocket.Conn, *corkConn, error) {
	ws, cork, err := dialWebSocket(ctx, url, o, []string{resumeProtocol})
	if err != nil {
		return nil, nil, nil, err
	}
	if ws.Subprotocol() != resumeProtocol {
		return nil, ws, cork, nil // a server that does not resume
	}
	tr := newTransport(life, ws, cork)
	w, err := tr.handshake(ctx, clientHello{})
	if err == nil && w.status != rsmNew {
		err = fmt.Errorf("%w: status %d to a new session", errResumeWire, w.status)
	}
	if err != nil {
		tr.kill()
		if ctx.Err() != nil {
			return nil, nil, nil, ctx.Err()
		}
		return nil, nil, nil, fmt.Errorf("mux: dial %s: %w", url, err)
	}
	rc := newResumeConn(true, o, w.tok)
	if err := rc.attach(tr, 0); err != nil {
		tr.kill()
		return nil, nil, nil, err
	}
	rc.redial = func(deadline time.Time) { rc.resume(life, url, o, deadline) }
	return rc, nil, nil, nil
}

// Redial backoff: doubling from minBackoff to maxBackoff, each wait drawn
// within ±25% of it. The ceiling is low because the wait after the link
// comes back is the larger part of a resume's latency (a dial through a
// link that is down fails at once and costs next to nothing), and a server
// that is busy says so (rsmBusy) rather than being flooded.
const (
	minBackoff = 50 * time.Millisecond
	maxBackoff = 250 * time.Millisecond
	// maxDialTime bounds one attempt.
	maxDialTime = 10 * time.Second
)

// startRedialer starts the redialer on a client whose transport went
// down, unless it runs already or the stream has ended.
func (c *resumeConn) startRedialer() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.redial == nil || c.redialing || c.closed {
		return
	}
	c.redialing = true
	c.wg.Add(1) // before Close's Wait: fail sets closed under c.mu first
	go c.redialer()
}

// redialer brings the connection back, and again if it went down while
// being brought back, then ends: a connection that is up has no redialer.
func (c *resumeConn) redialer() {
	defer c.wg.Done()
	for {
		c.mu.Lock()
		if c.closed || c.tr != nil {
			// transportFailed clears tr under c.mu before it calls
			// startRedialer, which finds redialing false from here on.
			c.redialing = false
			c.mu.Unlock()
			return
		}
		deadline := c.downAt.Add(c.grace)
		c.mu.Unlock()
		c.redial(deadline)
	}
}

// resume tries, with backoff, to resume the stream before deadline.
func (c *resumeConn) resume(life context.Context, url string, o *Options, deadline time.Time) {
	backoff := minBackoff
	for attempt := 1; ; attempt++ {
		if c.isClosed() {
			return
		}
		left := time.Until(deadline)
		if left <= 0 {
			c.fail(fmt.Errorf("%w within %v", ErrNotResumed, c.grace))
			return
		}
		ctx, cancel := context.WithTimeout(life, min(left, maxDialTime))
		err := c.tryResume(ctx, life, url, o)
		cancel()
		var refused *refusal
		switch {
		case err == nil:
			c.log.Debug("mux: resumed", "attempt", attempt)
			return
		case errors.As(err, &refused):
			c.fail(fmt.Errorf("%w: %s", ErrNotResumed, refused.reason))
			return
		}
		c.log.Debug("mux: resume attempt failed", "attempt", attempt, "err", err)
		wait := time.Duration(float64(backoff) * (0.75 + rand.Float64()/2))
		backoff = min(2*backoff, maxBackoff)
		if !c.sleep(min(wait, time.Until(deadline))) {
			return
		}
	}
}

// refusal is a server's answer that the session cannot be resumed.
type refusal struct{ reason string }

func (r *refusal) Error() string { return "refused: " + r.reason }

// tryResume dials once and, if the server resumes the session, attaches
// the new transport.
func (c *resumeConn) tryResume(ctx, life context.Context, url string, o *Options) error {
	if o.Redial != nil {
		u, err := o.Redial(ctx)
		if err != nil {
			return err
		}
		url = u
	}
	ws, cork, err := dialWebSocket(ctx, url, o, []string{resumeProtocol})
	if err != nil {
		return err
	}
	if ws.Subprotocol() != resumeProtocol {
		ws.CloseNow()
		return &refusal{"the server does not resume sessions"}
	}
	tr := newTransport(life, ws, cork)
	w, err := tr.handshake(ctx, clientHello{tok: c.token(), received: c.receivedCount()})
	if err != nil {
		tr.kill()
		return err
	}
	switch w.status {
	case rsmResumed:
	case rsmRefused:
		tr.kill()
		return &refusal{w.reason}
	case rsmBusy:
		tr.kill()
		return errors.New("mux: the server is busy")
	default:
		tr.kill()
		return fmt.Errorf("%w: status %d to a resume", errResumeWire, w.status)
	}
	c.setToken(w.tok)
	if err := c.attach(tr, w.received); err != nil {
		tr.kill()
		return &refusal{err.Error()}
	}
	return nil
}

// sleep waits d, or until the stream ends; it reports false then.
func (c *resumeConn) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.done:
		return false
	}
}

func (c *resumeConn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}
