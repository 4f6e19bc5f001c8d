package rover

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/telechan/telechan/internal/test/linkemu"
	"github.com/telechan/telechan/mux"
)

// Config says what the rover sends and over what link.
type Config struct {
	// Frames is how many camera frames the rover sends. Default 3.
	Frames int
	// FrameSize is the size of each frame in bytes. Default 1.5 MiB.
	FrameSize int
	// Link shapes the bytes each side sends. Default linkemu.FourG.
	Link linkemu.Profile
	// Tunnel, if not zero, is how long the link goes down in the middle
	// of the second frame (the last, if there is only one): the operator
	// drives through a tunnel, and the session resumes after it.
	Tunnel time.Duration
}

func (c Config) withDefaults() Config {
	if c.Frames == 0 {
		c.Frames = 3
	}
	if c.FrameSize == 0 {
		c.FrameSize = 3 << 19
	}
	if c.Link == (linkemu.Profile{}) {
		c.Link = linkemu.FourG
	}
	return c
}

// describe says what the link is in a few words.
func describe(p linkemu.Profile) string {
	if p.Bandwidth == 0 {
		return fmt.Sprintf("an emulated link of unlimited bandwidth, %v each way", p.Delay)
	}
	return fmt.Sprintf("an emulated link of %g Mbit/s, %v each way", float64(p.Bandwidth)/1e6, p.Delay)
}

// linkListener shapes what the rover sends on each connection it accepts.
type linkListener struct {
	net.Listener
	p linkemu.Profile
}

func (l linkListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return linkemu.Wrap(c, l.p), nil
}

// server serves sessions on an emulated link until Close, which ends every
// session and waits for its handler: http.Server.Close does not wait for
// the handlers of hijacked connections.
type server struct {
	http   *http.Server
	served chan error
	ctx    context.Context // ends every session
	cancel context.CancelFunc

	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

// listen serves each session on ln with serve, shaping what it sends by p.
func listen(ln net.Listener, p linkemu.Profile, serve func(context.Context, *mux.Session)) *server {
	s := &server{served: make(chan error, 1)}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.http = &http.Server{Handler: mux.Handler(s.track(serve), nil), ReadHeaderTimeout: 10 * time.Second}
	go func() { s.served <- s.http.Serve(linkListener{ln, p}) }()
	return s
}

// track wraps serve so that Close can end its session and wait for it.
func (s *server) track(serve func(context.Context, *mux.Session)) func(context.Context, *mux.Session) {
	return func(ctx context.Context, sess *mux.Session) {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return
		}
		s.wg.Add(1)
		s.mu.Unlock()
		defer s.wg.Done()
		stop := context.AfterFunc(s.ctx, func() { sess.Close() })
		defer stop()
		serve(ctx, sess)
	}
}

// Close stops accepting, closes every session and waits for the handlers.
func (s *server) Close() {
	s.http.Close()
	<-s.served
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}
