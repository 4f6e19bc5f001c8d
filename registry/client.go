package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/telechan/telechan/mux"
)

// Client is a connection to a registry server. Make one with [Dial].
//
// All methods are safe for concurrent use. A Client runs a reader goroutine
// that dispatches replies and watch events, and one renewer goroutine per
// live [Lease]; Close waits for all of them. Every entry the client
// registered vanishes when the client is closed or its connection is lost.
type Client struct {
	opts   Options
	ws     *websocket.Conn
	ctx    context.Context // the connection's lifetime
	cancel context.CancelFunc
	wg     sync.WaitGroup
	wmu    sync.Mutex // serialises writes
	done   chan struct{}

	mu      sync.Mutex // guards the fields below
	nextID  int64
	pending map[int64]chan reply
	watches map[int64]*Watch
	err     error // why the connection ended; set before done is closed
}

// Dial connects to the registry named by opts (see Options.Addr). ctx
// bounds the handshake only. If the registry refuses the connection (see
// ServerOptions.Authorize), the error matches ErrUnauthorized and wraps a
// *mux.HandshakeError with the HTTP status.
func Dial(ctx context.Context, opts *Options) (*Client, error) {
	o := opts.withDefaults()
	ws, resp, err := websocket.Dial(ctx, o.Addr, &websocket.DialOptions{HTTPClient: o.HTTPClient, HTTPHeader: o.handshakeHeader()})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, dialError(o.Addr, resp, err)
	}
	ws.SetReadLimit(16 << 20)
	c := &Client{opts: o, ws: ws, done: make(chan struct{}), pending: map[int64]chan reply{}, watches: map[int64]*Watch{}}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.wg.Add(1)
	go c.read()
	return c, nil
}

// handshakeHeader is HTTPHeader with the token as a bearer credential,
// unless HTTPHeader already says how to authorize.
func (o *Options) handshakeHeader() http.Header {
	if o.Token == "" || o.HTTPHeader.Get("Authorization") != "" {
		return o.HTTPHeader
	}
	h := o.HTTPHeader.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("Authorization", "Bearer "+o.Token)
	return h
}

// dialError describes a failed handshake; a refusal matches ErrUnauthorized.
func dialError(addr string, resp *http.Response, err error) error {
	if resp == nil || resp.StatusCode == http.StatusSwitchingProtocols {
		return fmt.Errorf("registry: dial %s: %w", addr, err)
	}
	he := &mux.HandshakeError{StatusCode: resp.StatusCode}
	if errors.Is(he, mux.ErrUnauthorized) || errors.Is(he, mux.ErrForbidden) {
		return fmt.Errorf("registry: dial %s: %w: %w", addr, ErrUnauthorized, he)
	}
	return fmt.Errorf("registry: dial %s: %w", addr, he)
}

// Addr returns the URL of the registry the client is connected to.
func (c *Client) Addr() string { return c.opts.Addr }

// Done is closed when the connection has ended, by Close or a failure.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err returns nil while the connection is up, then ErrClosed after Close,
// or an error wrapping ErrLost and the cause.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close ends the connection, which removes every entry it registered, and
// waits for the client's goroutines. It is idempotent.
func (c *Client) Close() error {
	c.end(ErrClosed)
	c.ws.Close(websocket.StatusNormalClosure, "")
	c.wg.Wait()
	return nil
}

// end records why the connection ended and fails everything waiting on it.
func (c *Client) end(err error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = err
	pending, watches := c.pending, c.watches
	c.pending, c.watches = nil, nil
	c.mu.Unlock()
	c.cancel()
	for _, ch := range pending {
		close(ch)
	}
	for _, w := range watches {
		w.end(err)
	}
	close(c.done)
}

// read is the reader goroutine.
func (c *Client) read() {
	defer c.wg.Done()
	for {
		_, data, err := c.ws.Read(c.ctx)
		if err != nil {
			c.end(fmt.Errorf("%w: %w", ErrLost, err))
			return
		}
		c.dispatch(data)
	}
}

func (c *Client) dispatch(data []byte) {
	var head struct {
		Event string          `json:"event"`
		Watch json.RawMessage `json:"watch"`
		ID    json.RawMessage `json:"id"`
	}
	if json.Unmarshal(data, &head) != nil {
		c.opts.Logger.Warn("registry: unreadable message from server")
		return
	}
	if head.Event != "" {
		var ev event
		json.Unmarshal(data, &ev)
		c.watchEvent(parseID(head.Watch), ev)
		return
	}
	var rep reply
	json.Unmarshal(data, &rep)
	id := parseID(head.ID)
	c.mu.Lock()
	ch, ok := c.pending[id]
	delete(c.pending, id)
	c.mu.Unlock()
	if ok {
		ch <- rep // buffered: never blocks
	}
}

func parseID(raw json.RawMessage) int64 {
	id, _ := strconv.ParseInt(string(raw), 10, 64)
	return id
}

// call sends req with a fresh id and waits for its reply. A failure reply
// is returned as an error matching its sentinel.
func (c *Client) call(ctx context.Context, req request) (reply, error) {
	ch := make(chan reply, 1)
	id, err := c.expect(ch)
	if err != nil {
		return reply{}, err
	}
	req.ID = json.RawMessage(strconv.FormatInt(id, 10))
	if err := c.send(req); err != nil {
		c.forgetCall(id)
		return reply{}, err
	}
	select {
	case rep, ok := <-ch:
		if !ok {
			return reply{}, c.Err()
		}
		return rep, replyErr(rep)
	case <-ctx.Done():
		c.forgetCall(id)
		return reply{}, ctx.Err()
	}
}

func (c *Client) expect(ch chan reply) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	c.nextID++
	c.pending[c.nextID] = ch
	return c.nextID, nil
}

func (c *Client) forgetCall(id int64) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

// send writes one request. It does not take the caller's ctx: cancelling
// a coder/websocket write ends the whole connection, so a write is bounded
// by writeTimeout and the connection's lifetime instead.
func (c *Client) send(req request) error {
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	wctx, cancel := context.WithTimeout(c.ctx, writeTimeout)
	defer cancel()
	if err := c.ws.Write(wctx, websocket.MessageText, b); err != nil {
		if e := c.Err(); e != nil {
			return e
		}
		return fmt.Errorf("%w: %w", ErrLost, err)
	}
	return nil
}

// remoteError is a failure reported by the server.
type remoteError struct {
	kind error
	msg  string
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.kind }

func replyErr(rep reply) error {
	if rep.Success {
		return nil
	}
	kind := errorCodes[rep.Error]
	if kind == nil {
		kind = errors.New("registry: " + rep.Error)
	}
	return &remoteError{kind: kind, msg: rep.Message}
}

// Resolve returns the address registered under topic, or an error matching
// ErrNotFound.
func (c *Client) Resolve(ctx context.Context, topic string) (string, error) {
	rep, err := c.call(ctx, request{Request: "get", Topic: topic})
	return rep.Address, err
}

// ResolveWait is Resolve that waits for the topic to be registered, until
// ctx ends: "find elmo, give up after 10 s" is
//
//	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
//	defer cancel()
//	addr, err := c.ResolveWait(ctx, "elmo")
//
// If ctx ends first, its error is returned unchanged.
func (c *Client) ResolveWait(ctx context.Context, topic string) (string, error) {
	for {
		wait := time.Minute
		if dl, ok := ctx.Deadline(); ok {
			wait = min(wait, time.Until(dl))
		}
		rep, err := c.call(ctx, request{Request: "get", Topic: topic, Wait: max(wait.Seconds(), 0.001)})
		if err == nil || !errors.Is(err, ErrNotFound) {
			return rep.Address, err
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
	}
}

// List returns the entries whose topic starts with prefix, sorted by topic.
// Entry.Since is the registration time as the server saw it.
func (c *Client) List(ctx context.Context, prefix string) ([]Entry, error) {
	rep, err := c.call(ctx, request{Request: "list", Prefix: prefix})
	if err != nil {
		return nil, err
	}
	return fromWireAll(rep.Entries), nil
}

func fromWireAll(ws *[]wireEntry) []Entry {
	out := []Entry{}
	if ws != nil {
		for _, w := range *ws {
			out = append(out, fromWire(w))
		}
	}
	return out
}

// Unregister removes topic, which this client must have registered, unless
// Options.Token is a write token that covers topic: then it removes
// whoever's entry holds it (to clear a stale or hijacked topic). See also
// Lease.Close. It returns an error matching ErrNotFound or ErrNotOwner
// otherwise.
func (c *Client) Unregister(ctx context.Context, topic string) error {
	_, err := c.call(ctx, request{Request: "unregister", Topic: topic, Token: c.opts.Token})
	return err
}

// unregisterHeld removes a topic this client holds. It sends no token, so it
// can never remove an entry that another client took over meanwhile.
func (c *Client) unregisterHeld(ctx context.Context, topic string) error {
	_, err := c.call(ctx, request{Request: "unregister", Topic: topic})
	return err
}
