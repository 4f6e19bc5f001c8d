package rfn

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"sync"

	"github.com/telechan/telechan/codec"
	"github.com/telechan/telechan/internal/core"
	"github.com/telechan/telechan/internal/donehook"
)

// Kind names on the wire.
const (
	kindFunc     = "rfn.Func"
	kindRequests = "rfn.Requests"
)

// requestCap is the capacity of a function's request channel.
const requestCap = 64

// handle lets a Func travel inside messages; see package rch.
type handle = core.Handle

// Func is a function that can be called here, or put in a message, sent to
// a peer and called there. Each Func value is one holder: Clone it to keep
// one here while sending another away. Call may be used concurrently.
type Func[A, R any] struct {
	handle
	tx core.Tx[request[A, R]]
	// done is closed once the function is served no more; set only on
	// Funcs made here by New (and their clones).
	done <-chan struct{}

	mu       sync.Mutex
	id       uint64
	replies  *core.Rx[reply[R]]
	pending  map[uint64]chan reply[R]
	nextCall uint64
	dispatch chan struct{} // closed when the replies have ended
	dead     error         // why replies can no longer arrive
	// dispatcher runs reply, a goroutine only while replies wait; set by
	// hello (a pointer: encoding a Func copies it).
	dispatcher *core.Workers
}

// New serves f: it returns a Func that calls f, here or from any peer it is
// sent to. Calls run concurrently, up to opts.MaxConcurrent at once; each
// gets a context that ends when its caller's does (cancellation and
// deadlines cross the connection). An error f returns reaches the caller as
// a *CallError of kind Failed with the same message; a panic in f becomes
// such an error for that caller only. Serving stops once every holder of
// the Func is closed or gone; Done tells when.
func New[A, R any](f func(context.Context, A) (R, error), opts *Options) *Func[A, R] {
	return newFunc(f, opts, false)
}

// NewOnce is New for a function that may be called exactly once: later
// calls fail with ErrUsed.
func NewOnce[A, R any](f func(context.Context, A) (R, error), opts *Options) *Func[A, R] {
	return newFunc(f, opts, true)
}

func newFunc[A, R any](f func(context.Context, A) (R, error), opts *Options, once bool) *Func[A, R] {
	o := opts.withDefaults()
	s := &server[A, R]{
		f: f, opts: o, once: once,
		sem:     make(chan struct{}, o.MaxConcurrent),
		done:    donehook.New(),
		holders: make(map[uint64]*holderEntry[R]),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	fn := new(Func[A, R])
	core.InitPair(&fn.tx, &s.rx, requestCap, kindFunc, kindRequests)
	s.rx.Quiet() // undecodable requests are answered (server.undecodable)
	fn.handle = core.HandleOf(&fn.tx.Port)
	fn.tx.OnMove(fn.moving)
	fn.done = s.done.C()
	if err := s.rx.Consume(&s.workers, s.request); err != nil {
		panic("rfn: a new request channel cannot be consumed: " + err.Error())
	}
	return fn
}

// Done returns a channel that is closed once the function is served no
// more: every holder, here and on peers, has closed or gone. Take it before
// sending the Func away. It is nil (never ready) for a Func received from a
// peer.
func (f *Func[A, R]) Done() <-chan struct{} { return f.done }

// Clone returns another holder of the same function.
func (f *Func[A, R]) Clone() *Func[A, R] {
	c := &Func[A, R]{done: f.done}
	f.tx.CloneInto(&c.tx)
	c.handle = core.HandleOf(&c.tx.Port)
	c.tx.OnMove(c.moving)
	return c
}

// Call calls the function with a and returns its result. If ctx ends first,
// the call is cancelled on the serving side too and Call returns ctx's
// error unchanged. A failure on the serving side is a *CallError: kind
// Failed for the function's own error (or panic), Disconnected when the
// connection was lost or the function is served no more, Overloaded when
// too many calls were waiting.
func (f *Func[A, R]) Call(ctx context.Context, a A) (R, error) {
	var zero R
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	call, ch, err := f.begin(ctx)
	if err != nil {
		return zero, err
	}
	req := request[A, R]{Op: opCall, Holder: f.id, Call: call, Arg: a}
	if d, ok := ctx.Deadline(); ok {
		req.Deadline = d.UnixNano()
	}
	// Should the request be lost on its way (a forwarding peer cannot pass
	// it on, the server cannot decode it), the call ends at once.
	undelivered := func(err error) {
		f.fail(call, &CallError{Kind: Failed, Msg: "the request was not delivered: " + err.Error(), cause: err})
	}
	if err := f.tx.SendOr(ctx, req, undelivered); err != nil {
		f.end(call)
		if ctx.Err() != nil {
			return zero, ctx.Err()
		}
		return zero, sendError(err)
	}
	select {
	case rep := <-ch:
		if rep.Err != nil {
			return zero, rep.Err
		}
		return rep.Result, nil
	case <-ctx.Done():
		f.end(call)
		f.tx.TrySend(request[A, R]{Op: opCancel, Holder: f.id, Call: call})
		return zero, ctx.Err()
	}
}

// lost turns a channel error into a Disconnected CallError that still
// matches the channel error with errors.Is.
func lost(err error) error {
	if err == nil || errors.Is(err, io.EOF) {
		err = core.ErrClosed
	}
	return &CallError{Kind: Disconnected, Msg: err.Error(), cause: err}
}

// sendError is the CallError of a request that could not be sent: Failed
// for one this call could not send (too large, not encodable: the
// connection is fine), Disconnected when the function cannot be reached.
func sendError(err error) error {
	if itemLevel(err) {
		return &CallError{Kind: Failed, Msg: err.Error(), cause: err}
	}
	return lost(err)
}

// itemLevel reports whether err concerns one item only, not the channel.
func itemLevel(err error) bool {
	return errors.Is(err, core.ErrTooLarge) || errors.Is(err, core.ErrDecode) ||
		errors.Is(err, codec.ErrEncode) || errors.Is(err, core.ErrNotDelivered) ||
		errors.Is(err, core.ErrWatchHalf) || errors.Is(err, core.ErrMoved)
}

// fail ends call with err, if it still waits.
func (f *Func[A, R]) fail(call uint64, err *CallError) {
	f.mu.Lock()
	ch := f.pending[call]
	delete(f.pending, call)
	f.mu.Unlock()
	if ch != nil {
		ch <- reply[R]{Call: call, Err: err}
	}
}

// begin registers a call, saying hello to the server first if this holder
// has not yet.
func (f *Func[A, R]) begin(ctx context.Context) (uint64, chan reply[R], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dead != nil {
		return 0, nil, lost(f.dead)
	}
	if f.replies == nil {
		if err := f.hello(ctx); err != nil {
			return 0, nil, err
		}
	}
	f.nextCall++
	ch := make(chan reply[R], 1)
	f.pending[f.nextCall] = ch
	return f.nextCall, ch, nil
}

// hello sets up the channel replies come back on, handed out by reply as
// they arrive. Call with f.mu held.
func (f *Func[A, R]) hello(ctx context.Context) error {
	tx, rx := newReplies[R]()
	f.id = rand.Uint64()
	if err := f.tx.Send(ctx, request[A, R]{Op: opHello, Holder: f.id, Replies: tx}); err != nil {
		tx.Close()
		rx.Close()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return sendError(err)
	}
	f.replies, f.pending = rx, make(map[uint64]chan reply[R])
	f.dispatch = make(chan struct{})
	f.dispatcher = new(core.Workers)
	if err := rx.Consume(f.dispatcher, f.reply); err != nil {
		return lost(err)
	}
	return nil
}

// reply hands each reply to its call (see core.Rx.Consume). A reply that
// cannot be decoded ends its call with that error (or, if even its call
// number cannot be read, is reported to the server, which answers that
// call with an error in its place); a reply lost on its way is answered so
// by the server too. When replies can no longer arrive, every call still
// waiting fails with Disconnected.
func (f *Func[A, R]) reply(rep reply[R], err error, end bool) {
	switch {
	case end:
		f.mu.Lock()
		f.dead = err
		pending := f.pending
		f.pending = map[uint64]chan reply[R]{}
		done, dispatcher := f.dispatch, f.dispatcher
		f.mu.Unlock()
		for call, ch := range pending {
			ch <- reply[R]{Call: call, Err: lost(err).(*CallError)}
		}
		dispatcher.Stop() // this goroutine ends after this call
		close(done)
	case err != nil:
		f.undecodable(err)
	default:
		f.mu.Lock()
		ch := f.pending[rep.Call]
		delete(f.pending, rep.Call)
		f.mu.Unlock()
		if ch != nil {
			ch <- rep
		}
	}
}

// end forgets a call that will not wait for its reply.
func (f *Func[A, R]) end(call uint64) {
	f.mu.Lock()
	delete(f.pending, call)
	f.mu.Unlock()
}

// moving runs when this holder is sent away: a holder that has called
// says bye, so the server forgets where its replies went, and stops
// waiting for replies. The holder it becomes on the peer says hello anew.
// Calls still waiting fail as Disconnected.
func (f *Func[A, R]) moving() {
	f.mu.Lock()
	replies, id := f.replies, f.id
	f.mu.Unlock()
	if replies == nil {
		return
	}
	// Only when the request channel is full does bye not fit; the server
	// then forgets the holder when a reply to it fails.
	f.tx.TrySend(request[A, R]{Op: opBye, Holder: id})
	replies.Close()
}

// Close says this holder is done: calls still waiting fail, and once every
// holder is closed the function is served no more. It waits for the
// holder's goroutine and is idempotent.
func (f *Func[A, R]) Close() error {
	f.mu.Lock()
	replies, done, dispatcher := f.replies, f.dispatch, f.dispatcher
	f.mu.Unlock()
	if replies != nil {
		f.tx.TrySend(request[A, R]{Op: opBye, Holder: f.id})
	}
	f.tx.Close()
	if replies != nil {
		replies.Close()
		<-done
		dispatcher.Wait()
	}
	return nil
}

// UnmarshalJSON reads a function's reference; the connection that decodes
// the message then binds it.
func (f *Func[A, R]) UnmarshalJSON(b []byte) error {
	f.handle = core.HandleOf(&f.tx.Port)
	f.tx.OnMove(f.moving)
	return f.tx.DecodeJSON(b, kindFunc)
}

// UnmarshalCBOR reads a function's reference; the connection that decodes
// the message then binds it.
func (f *Func[A, R]) UnmarshalCBOR(b []byte) error {
	f.handle = core.HandleOf(&f.tx.Port)
	f.tx.OnMove(f.moving)
	return f.tx.DecodeCBOR(b, kindFunc)
}

// undecodable handles a reply that could not be decoded.
func (f *Func[A, R]) undecodable(err error) {
	var de *core.DecodeError
	var h header
	if errors.As(err, &de) && de.Unmarshal(&h) == nil && h.Call != 0 {
		f.fail(h.Call, &CallError{Kind: Failed, Msg: "the result cannot be decoded: " + err.Error(), cause: err})
		return
	}
	if de != nil {
		de.Report()
	}
}
