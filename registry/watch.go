package registry

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
)

// clientWatchBuffer is how many events a Watch holds for a slow Next
// before it ends with ErrLagged.
const clientWatchBuffer = 1024

// Watch is a stream of changes to the entries under a prefix. Make one with
// [Client.Watch]. Next may be called from one goroutine at a time; Close
// from any.
type Watch struct {
	c    *Client
	id   int64
	snap []Event // the snapshot, taken by Next before ch
	ch   chan Event

	mu   sync.Mutex
	err  error
	done chan struct{}
}

// Watch starts watching the topics that start with prefix. The first
// events are an Added event for each entry present when the watch started,
// then come the changes in order.
func (c *Client) Watch(ctx context.Context, prefix string) (*Watch, error) {
	ch := make(chan reply, 1)
	id, err := c.expect(ch)
	if err != nil {
		return nil, err
	}
	w := &Watch{c: c, id: id, ch: make(chan Event, clientWatchBuffer), done: make(chan struct{})}
	// The watch is registered before the request goes out, so no event can
	// arrive before it is known. Events that arrive while this goroutine
	// has not yet stored the snapshot still come after it: Next takes the
	// snapshot first.
	c.mu.Lock()
	c.watches[id] = w
	c.mu.Unlock()
	rep, err := c.finishCall(ctx, id, ch, request{Request: "watch", Prefix: prefix})
	if err != nil {
		c.dropWatch(id)
		return nil, err
	}
	for _, e := range fromWireAll(rep.Entries) {
		w.snap = append(w.snap, Event{Kind: Added, Entry: e})
	}
	return w, nil
}

// finishCall sends req under an id already registered and waits for the
// reply.
func (c *Client) finishCall(ctx context.Context, id int64, ch chan reply, req request) (reply, error) {
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

func (c *Client) dropWatch(id int64) *Watch {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.watches[id]
	delete(c.watches, id)
	return w
}

// watchEvent delivers one event from the reader goroutine.
func (c *Client) watchEvent(id int64, ev event) {
	c.mu.Lock()
	w := c.watches[id]
	c.mu.Unlock()
	if w == nil {
		return
	}
	if ev.Event == "end" {
		c.dropWatch(id)
		w.end(ErrLagged)
		return
	}
	w.mu.Lock()
	ok := w.err == nil && w.push(Event{Kind: EventKind(ev.Event), Entry: fromWire(ev.wireEntry)})
	w.mu.Unlock()
	if !ok {
		c.dropWatch(id)
		w.end(ErrLagged)
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.unwatch(id)
		}()
	}
}

// push queues ev without blocking; w.mu is held.
func (w *Watch) push(ev Event) bool {
	select {
	case w.ch <- ev:
		return true
	default:
		return false
	}
}

// unwatch tells the server to stop a watch; failures do not matter, as the
// client drops events of unknown watches.
func (c *Client) unwatch(id int64) {
	c.send(request{Request: "unwatch", Watch: json.RawMessage(strconv.FormatInt(id, 10))})
}

// end ends the watch with err, once.
func (w *Watch) end(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = err
		close(w.done)
	}
}

// Next returns the next event. Once the watch has ended it returns, after
// the events already received, ErrClosed after Close, ErrLagged if the
// watcher fell behind, or the connection's error.
func (w *Watch) Next(ctx context.Context) (Event, error) {
	if len(w.snap) > 0 {
		ev := w.snap[0]
		w.snap = w.snap[1:]
		return ev, nil
	}
	select {
	case ev := <-w.ch:
		return ev, nil
	default:
	}
	select {
	case ev := <-w.ch:
		return ev, nil
	case <-w.done:
		select {
		case ev := <-w.ch:
			return ev, nil
		default:
		}
		return Event{}, w.Err()
	case <-ctx.Done():
		return Event{}, ctx.Err()
	}
}

// Err returns nil while the watch runs, then why it ended.
func (w *Watch) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Close ends the watch. It is idempotent.
func (w *Watch) Close() error {
	if w.c.dropWatch(w.id) != nil && w.c.Err() == nil {
		w.c.unwatch(w.id)
	}
	w.end(ErrClosed)
	return nil
}
