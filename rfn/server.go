package rfn

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/telechan/telechan/internal/core"
	"github.com/telechan/telechan/internal/donehook"
)

// server runs a function for every holder that calls it. Its goroutines
// are workers: one takes the requests while some wait, one runs each call
// in progress or waiting for a turn (reused from one call to the next; one
// with nothing to do ends after 50 ms), so a function nobody calls holds
// none; all of them end once every holder is gone, and then done is
// closed.
type server[A, R any] struct {
	f    func(context.Context, A) (R, error)
	opts Options
	once bool
	rx   core.Rx[request[A, R]]

	ctx    context.Context // cancelled when serving stops
	cancel context.CancelFunc
	sem    chan struct{}
	done   *donehook.Done
	calls  sync.WaitGroup // calls in progress, and replies being sent late
	// workers run the calls: a goroutine that ran one waits a little for
	// the next, so that a busy function does not start (and grow the
	// stack of) a goroutine per call.
	workers core.Workers

	mu      sync.Mutex
	holders map[uint64]*holderEntry[R]
	waiting int
	used    bool
}

// holderEntry is what the server keeps for one holder: where its replies
// go, and how to cancel its calls.
type holderEntry[R any] struct {
	replies *replySender[R]
	calls   map[uint64]context.CancelFunc
}

// request takes each request as it arrives (see core.Rx.Consume: no
// goroutine waits for requests while none comes). Once every holder is
// gone, it stops every call and closes done, on a goroutine of its own:
// that waits for the workers, the one running this among them.
func (s *server[A, R]) request(req request[A, R], err error, end bool) {
	switch {
	case end:
		go s.finish()
	case err != nil:
		s.undecodable(err) // one holder lost, or one bad request: the others go on
	default:
		s.handle(req)
	}
}

// finish stops serving once the request channel has ended.
func (s *server[A, R]) finish() {
	defer s.done.Close()
	s.cancel()
	s.workers.Stop()
	s.calls.Wait()
	s.workers.Wait()
	s.mu.Lock()
	holders := s.holders
	s.holders = nil
	s.mu.Unlock()
	for _, h := range holders {
		h.replies.Close()
	}
}

func (s *server[A, R]) handle(req request[A, R]) {
	switch req.Op {
	case opHello:
		if req.Replies == nil {
			return
		}
		s.mu.Lock()
		s.holders[req.Holder] = &holderEntry[R]{replies: req.Replies, calls: map[uint64]context.CancelFunc{}}
		s.mu.Unlock()
	case opCall:
		s.start(req)
	case opCancel:
		s.mu.Lock()
		if h := s.holders[req.Holder]; h != nil && h.calls[req.Call] != nil {
			h.calls[req.Call]()
		}
		s.mu.Unlock()
	case opBye:
		s.mu.Lock()
		h := s.holders[req.Holder]
		delete(s.holders, req.Holder)
		s.mu.Unlock()
		if h != nil {
			s.mu.Lock()
			for _, cancel := range h.calls {
				cancel()
			}
			s.mu.Unlock()
			h.replies.Close()
		}
	}
}

// start runs one call on one of the workers, once a turn is free.
func (s *server[A, R]) start(req request[A, R]) {
	s.mu.Lock()
	h := s.holders[req.Holder]
	switch {
	case h == nil:
		s.mu.Unlock()
		return // no hello: nowhere to reply
	case s.once && s.used:
		s.mu.Unlock()
		s.reply(h, reply[R]{Call: req.Call, Err: &CallError{Kind: Failed, Msg: ErrUsed.Error(), Code: codeUsed}})
		return
	case s.waiting >= s.opts.MaxWaiting:
		s.mu.Unlock()
		s.reply(h, reply[R]{Call: req.Call, Err: &CallError{Kind: Overloaded, Msg: fmt.Sprintf("%d calls waiting", s.waiting)}})
		return
	}
	s.used = true
	s.waiting++
	ctx, cancel := context.WithCancel(s.ctx)
	if req.Deadline != 0 {
		ctx, cancel = withDeadline(ctx, cancel, time.Unix(0, req.Deadline))
	}
	h.calls[req.Call] = cancel
	s.calls.Add(1)
	s.mu.Unlock()
	call := func() {
		defer s.calls.Done()
		defer cancel()
		rep := s.run(ctx, req)
		s.mu.Lock()
		delete(h.calls, req.Call)
		s.mu.Unlock()
		if ctx.Err() == nil || s.ctx.Err() == nil {
			s.reply(h, rep)
		}
	}
	if !s.workers.Go(call) { // only once serve has stopped reading, so never
		go call()
	}
}

// withDeadline adds a deadline to ctx, keeping both cancel funcs.
func withDeadline(ctx context.Context, cancel context.CancelFunc, d time.Time) (context.Context, context.CancelFunc) {
	ctx, cancel2 := context.WithDeadline(ctx, d)
	return ctx, func() { cancel2(); cancel() }
}

// run waits for a turn and calls the function, turning a panic into an
// error for this caller.
func (s *server[A, R]) run(ctx context.Context, req request[A, R]) (rep reply[R]) {
	rep.Call = req.Call
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		s.mu.Lock()
		s.waiting--
		s.mu.Unlock()
		rep.Err = &CallError{Kind: Failed, Msg: ctx.Err().Error()}
		return rep
	}
	s.mu.Lock()
	s.waiting--
	s.mu.Unlock()
	defer func() { <-s.sem }()
	defer func() {
		if p := recover(); p != nil {
			// The caller learns that and where; the value and the stack
			// (file paths, goroutines) stay in this side's log.
			s.opts.Logger.Error("rfn: panic in "+s.opts.Name, "panic", p, "stack", string(debug.Stack()))
			rep.Err = &CallError{Kind: Failed, Msg: "panic in " + s.opts.Name, Code: codePanic}
		}
	}()
	r, err := s.f(ctx, req.Arg)
	if err != nil {
		rep.Err = &CallError{Kind: Failed, Msg: err.Error(), Code: codeOf(err)}
		return rep
	}
	rep.Result = r
	return rep
}

// reply sends rep to its holder. A reply that cannot be sent (too large,
// not encodable), or that is lost on its way, is answered with an error in
// its place, so the call never waits for its deadline and the holder
// stays; a holder that is gone is forgotten.
func (s *server[A, R]) reply(h *holderEntry[R], rep reply[R]) {
	lost := func(err error) { s.replyLater(h, failedReply[R](rep.Call, "the result was not delivered", err)) }
	if rep.Err != nil {
		lost = nil // an error is small: if even it is lost, the caller's deadline ends the call
	}
	err := h.replies.send(s.ctx, rep, lost)
	if err != nil && itemLevel(err) && rep.Err == nil {
		err = h.replies.send(s.ctx, failedReply[R](rep.Call, "the result cannot be sent", err), nil)
	}
	if err != nil {
		s.forget(h)
	}
}

// replyLater sends rep on a goroutine of its own: it is called on the
// goroutine of a bridge, which must not block.
func (s *server[A, R]) replyLater(h *holderEntry[R], rep reply[R]) {
	s.calls.Add(1)
	go func() {
		defer s.calls.Done()
		s.reply(h, rep)
	}()
}

// failedReply is the reply of a call whose result or request could not
// make it, with the code of the rch error behind it.
func failedReply[R any](call uint64, what string, err error) reply[R] {
	return reply[R]{Call: call, Err: &CallError{Kind: Failed, Msg: what + ": " + err.Error(), Code: codeOf(err)}}
}

// forget drops h: its replies can no longer reach it.
func (s *server[A, R]) forget(h *holderEntry[R]) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, hh := range s.holders {
		if hh == h {
			delete(s.holders, id)
		}
	}
}

// undecodable answers a request that could not be decoded, when what can
// be read of it says which call it was; otherwise the holder is told that
// its request was not delivered, and the call ends there.
func (s *server[A, R]) undecodable(err error) {
	var de *core.DecodeError
	if !errors.As(err, &de) {
		return // an item lost on its way: its holder was told by the hop
	}
	var hd header
	if de.Unmarshal(&hd) == nil && hd.Op == opCall {
		s.mu.Lock()
		h := s.holders[hd.Holder]
		s.mu.Unlock()
		if h != nil {
			s.reply(h, failedReply[R](hd.Call, "the request cannot be decoded", err))
			return
		}
	}
	de.Report()
}
