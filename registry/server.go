package registry

import (
	"context"
	"net/http"
	"strings"
	"sync"

	"github.com/coder/websocket"
)

// Server is the registry server: an http.Handler that answers the JSON
// protocol over a WebSocket at "/" and serves the status page to a plain GET
// of "/". Mount it in any http.ServeMux or serve it alone.
//
// Design note. Each WebSocket connection is run by the goroutine that
// net/http gives ServeHTTP: it reads and answers requests in order. It
// starts, and waits for before returning: a renewer for the leases the
// connection holds without a TTL of their own, one forwarder per watch and
// one goroutine per waiting get. Writes to the connection are serialised by
// a mutex held only for one write, bounded in time. The server's mutex
// guards the set of live connections only and is never held across I/O.
// Close cancels every connection and waits for every ServeHTTP to return.
type Server struct {
	opts      ServerOptions
	store     Store
	ownsStore bool
	tokens    tokenSet // write tokens; empty: anyone may write

	mu     sync.Mutex
	closed bool
	conns  map[*serverConn]struct{}
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
}

// NewServer returns a registry server. It fails only if opts is invalid.
func NewServer(opts *ServerOptions) (*Server, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	tokens, err := newTokenSet(o.WriteTokens)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: o, store: o.Store, tokens: tokens, conns: map[*serverConn]struct{}{}}
	if s.store == nil {
		s.store, s.ownsStore = NewMemStore(), true
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// Store returns the store behind the server.
func (s *Server) Store() Store { return s.store }

// ServeHTTP answers a WebSocket upgrade at "/" with the registry protocol and
// a plain GET of "/" with the status page. With ServerOptions.Authorize set,
// both need its consent first.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	if err := s.opts.hosts.Check(r); err != nil {
		s.opts.Logger.Debug("registry: refused", "remote", r.RemoteAddr, "err", err)
		http.Error(w, http.StatusText(http.StatusForbidden), http.StatusForbidden)
		return
	}
	if !s.authorize(w, r) {
		return
	}
	if !isUpgrade(r) {
		s.serveStatus(w, r)
		return
	}
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		OriginPatterns:     s.opts.OriginPatterns,
		InsecureSkipVerify: s.opts.InsecureSkipVerify,
	})
	if err != nil {
		s.opts.Logger.Debug("registry: accept", "remote", r.RemoteAddr, "err", err)
		return
	}
	c := s.track(ws, r.RemoteAddr, s.tokens.grant(bearerToken(r)))
	if c == nil {
		ws.Close(websocket.StatusGoingAway, "registry closing")
		return
	}
	defer s.untrack(c)
	c.run()
}

func isUpgrade(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

func (s *Server) track(ws *websocket.Conn, remote string, bearer grant) *serverConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	c := newServerConn(s, ws, remote)
	c.bearer = bearer
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return c
}

func (s *Server) untrack(c *serverConn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

// Close disconnects every client, waits until their connections are done
// (their entries removed), and closes the store if the server made it. It
// does not stop an http.Server the Server is mounted in. Close is
// idempotent.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	if s.ownsStore {
		return s.store.Close()
	}
	return nil
}
