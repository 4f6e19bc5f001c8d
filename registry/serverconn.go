package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/telechan/telechan/internal/ratelimit"
)

// Limits on the fields of a request.
const (
	maxTopicLen   = 256
	maxAddressLen = 2048
	writeTimeout  = 10 * time.Second
)

// serverConn is one client connection of a Server. Its run method is the
// protocol state machine; see the design note on Server for the goroutines.
type serverConn struct {
	s      *Server
	ws     *websocket.Conn
	remote string
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	wmu    sync.Mutex       // serialises writes
	bucket ratelimit.Bucket // the connection's request rate
	bearer grant            // what the upgrade's Authorization header allows

	mu      sync.Mutex // guards held, watches and slots
	held    map[string]heldLease
	watches map[string]context.CancelFunc // by the watch request's id
	slots   int
}

// heldLease is the lease behind one topic this connection registered.
// connBound leases are renewed by the server while the connection lives.
type heldLease struct {
	id        LeaseID
	connBound bool
}

func newServerConn(s *Server, ws *websocket.Conn, remote string) *serverConn {
	ws.SetReadLimit(s.opts.MaxMessageSize)
	c := &serverConn{s: s, ws: ws, remote: remote, held: map[string]heldLease{}, watches: map[string]context.CancelFunc{}}
	c.ctx, c.cancel = context.WithCancel(s.ctx)
	c.bucket = ratelimit.New(s.opts.RequestRate, s.opts.RequestBurst)
	return c
}

// run reads and answers requests until the connection ends, then removes
// the connection's entries.
func (c *serverConn) run() {
	defer c.cleanup()
	c.wg.Add(1)
	go c.keepAlive()
	for {
		_, data, err := c.ws.Read(c.ctx)
		if err != nil {
			c.s.opts.Logger.Debug("registry: connection ends", "remote", c.remote, "err", err)
			return
		}
		if !c.bucket.Take(time.Now()) {
			c.ws.Close(websocket.StatusPolicyViolation, "too many requests")
			return
		}
		c.handle(data)
	}
}

func (c *serverConn) cleanup() {
	c.cancel()
	c.wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, h := range c.held {
		if err := c.s.store.Revoke(ctx, h.id); err != nil {
			c.s.opts.Logger.Warn("registry: revoke", "lease", h.id, "err", err)
		}
	}
	c.ws.Close(websocket.StatusGoingAway, "registry closing")
}

// keepAlive renews the connection-bound leases and pings the client every
// ConnTTL/3; a client that does not answer within ConnTTL is disconnected,
// so the entries of a vanished client go within about ConnTTL.
func (c *serverConn) keepAlive() {
	defer c.wg.Done()
	t := time.NewTicker(c.s.opts.ConnTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
		}
		c.renewConnBound()
		ctx, cancel := context.WithTimeout(c.ctx, c.s.opts.ConnTTL)
		err := c.ws.Ping(ctx)
		cancel()
		if err != nil {
			c.cancel()
			return
		}
	}
}

func (c *serverConn) renewConnBound() {
	c.mu.Lock()
	var ids []LeaseID
	for _, h := range c.held {
		if h.connBound {
			ids = append(ids, h.id)
		}
	}
	c.mu.Unlock()
	for _, id := range ids {
		if err := c.s.store.KeepAlive(c.ctx, id); err != nil {
			c.s.opts.Logger.Warn("registry: renew", "lease", id, "err", err)
		}
	}
}

// handle answers one message.
func (c *serverConn) handle(data []byte) {
	var req request
	if err := json.Unmarshal(data, &req); err != nil {
		c.answer(req, reply{}, fmt.Errorf("%w: not a JSON request object: %v", ErrBadRequest, err))
		return
	}
	var rep reply
	var err error
	switch req.Request {
	case "register":
		rep, err = c.register(req)
	case "renew":
		rep, err = c.renew(req)
	case "unregister":
		rep, err = c.unregister(req)
	case "get":
		if rep, err = c.get(req); errors.Is(err, errAsync) {
			return
		}
	case "unwatch":
		rep, err = c.unwatch(req)
	case "list":
		rep, err = c.list(req)
	case "watch":
		if rep, err = c.watch(req); errors.Is(err, errAsync) {
			return
		}
	case "":
		err = fmt.Errorf("%w: missing \"request\"", ErrBadRequest)
	default:
		err = fmt.Errorf("%w: unknown request %.40q", ErrBadRequest, req.Request)
	}
	c.answer(req, rep, err)
}

// errAsync tells handle that the answer will be sent later.
var errAsync = errors.New("answered later")

// answer sends rep, or err as a failure, tagged with the request's id.
func (c *serverConn) answer(req request, rep reply, err error) {
	rep.ID = req.ID
	rep.Success = err == nil
	if err != nil {
		rep = reply{ID: req.ID, Message: err.Error(), Error: errorCode(err), Topic: req.Topic}
	}
	c.write(rep)
}

// write sends one JSON message; a failed write ends the connection.
func (c *serverConn) write(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic("registry: marshal reply: " + err.Error())
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	ctx, cancel := context.WithTimeout(c.ctx, writeTimeout)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		c.cancel()
	}
}

// acquire takes one of the connection's watch slots.
func (c *serverConn) acquire() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.slots >= c.s.opts.MaxWatches {
		return fmt.Errorf("%w: more than %d watches and waiting gets", ErrBadRequest, c.s.opts.MaxWatches)
	}
	c.slots++
	return nil
}

func (c *serverConn) release() {
	c.mu.Lock()
	c.slots--
	c.mu.Unlock()
}
