package mux

import (
	"errors"
	"time"

	"github.com/hashicorp/yamux"
)

// keepalive pings the peer every KeepAliveInterval and ends the session when
// an answer does not come within KeepAliveTimeout. In a resumable session
// it judges the connection, not the session: an unanswered ping takes the
// connection down (the session resumes over a new one), and no ping goes
// out while it is down, so that an outage is measured against the grace
// window alone.
//
// yamux has a keepalive of its own, but yamux.Session.Close does not wait
// for its goroutine, and its ping can take up to twice the write timeout to
// fail (one timeout to get the ping out, another for the answer). This one is
// waited for by Session.Close and bounds detection to
// KeepAliveInterval+KeepAliveTimeout.
//
// It runs as the function of the timer s.ka, in a goroutine of its own only
// while it works, counted in s.wg then; each run arms the timer for the
// next unless the session is ending.
func (s *Session) keepalive() {
	s.mu.Lock()
	if s.closing || s.ended {
		s.mu.Unlock()
		return
	}
	s.wg.Add(1) // before Close's Wait: Close sets closing under s.mu first
	s.mu.Unlock()
	defer s.wg.Done()
	if rc := s.resume; rc == nil || rc.connected() {
		if err := s.ping(); err != nil {
			rc := s.resume
			if rc == nil || !errors.Is(err, errKeepAlive) {
				s.fail(err)
				return
			}
			rc.dropTransport(err)
		}
	}
	s.mu.Lock()
	if !s.closing && !s.ended {
		s.ka.Reset(s.opts.KeepAliveInterval)
	}
	s.mu.Unlock()
}

// ping sends one yamux ping and waits at most KeepAliveTimeout for the
// answer. It returns nil if the answer came or the session is ending anyway.
//
// yamux.Session.Ping takes no context, so it runs in a tracked goroutine.
// That goroutine ends once the answer comes or yamux shuts down, which
// keepalive brings about when the wait here times out.
func (s *Session) ping() error {
	res := make(chan error, 1)
	s.wg.Add(1) // keepalive itself holds a count, so Add is safe here
	go func() {
		defer s.wg.Done()
		_, err := s.ys.Ping()
		res <- err
	}()
	t := time.NewTimer(s.opts.KeepAliveTimeout)
	defer t.Stop()
	select {
	case err := <-res:
		return pingError(err)
	case <-t.C:
		return errKeepAlive
	case <-s.ys.CloseChan():
		return nil
	}
}

// pingError maps the result of yamux.Session.Ping to a cause of loss.
func pingError(err error) error {
	switch {
	case err == nil, errors.Is(err, yamux.ErrSessionShutdown):
		return nil
	case errors.Is(err, yamux.ErrTimeout), errors.Is(err, yamux.ErrConnectionWriteTimeout):
		return errKeepAlive
	}
	return err
}
