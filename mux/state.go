package mux

import "fmt"

// State is where a session's connection stands. Watch it with
// [Session.State]; the session also logs each change (Options.Logger, at
// level Info).
type State int

// The states of a session.
const (
	// Connected: the session is up, as first made.
	Connected State = iota + 1
	// Reconnecting: the connection under a resumable session went down;
	// the session waits for it to come back, and the client dials again,
	// until Options.ResumeGrace has passed. Streams and calls wait too.
	Reconnecting
	// Resumed: the connection came back after an outage, and nothing
	// written on either side was lost.
	Resumed
	// Lost: the session has ended; Err says why (ErrNotResumed if it could
	// not be resumed).
	Lost
)

func (s State) String() string {
	switch s {
	case Connected:
		return "connected"
	case Reconnecting:
		return "reconnecting"
	case Resumed:
		return "resumed"
	case Lost:
		return "lost"
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// State returns the session's state now, and a channel that is closed at
// its next change. Resumed and Reconnecting happen only in resumable
// sessions (see Options.ResumeGrace).
func (s *Session) State() (State, <-chan struct{}) {
	s.smu.Lock()
	defer s.smu.Unlock()
	return s.state, s.stateCh
}

// setState moves the session to st, wakes the watchers and logs the
// change. Lost is final.
func (s *Session) setState(st State) {
	s.smu.Lock()
	if s.state == st || s.state == Lost {
		s.smu.Unlock()
		return
	}
	s.state = st
	close(s.stateCh)
	s.stateCh = make(chan struct{})
	s.smu.Unlock()
	s.log.Info("mux: session "+st.String(), "remote", s.remote)
}
