package registry

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// The handlers of the server's requests. Each returns the reply or an error
// that answer turns into a failure.

func checkTopic(t string) error {
	switch {
	case t == "":
		return fmt.Errorf("%w: missing \"topic\"", ErrBadRequest)
	case len(t) > maxTopicLen:
		return fmt.Errorf("%w: topic longer than %d bytes", ErrBadRequest, maxTopicLen)
	case !utf8.ValidString(t):
		return fmt.Errorf("%w: topic is not UTF-8", ErrBadRequest)
	}
	return nil
}

func (c *serverConn) register(req request) (reply, error) {
	if err := checkTopic(req.Topic); err != nil {
		return reply{}, err
	}
	if !c.mayWrite(req) {
		return reply{}, errNeedToken("register", req.Topic)
	}
	if req.Address == "" || len(req.Address) > maxAddressLen {
		return reply{}, fmt.Errorf("%w: \"address\" missing or longer than %d bytes", ErrBadRequest, maxAddressLen)
	}
	if req.TTL < 0 {
		return reply{}, fmt.Errorf("%w: negative ttl", ErrBadRequest)
	}
	c.mu.Lock()
	old, had := c.held[req.Topic]
	full := !had && len(c.held) >= c.s.opts.MaxTopics
	c.mu.Unlock()
	if had {
		// Still ours, or taken over by another connection's replace?
		e, err := c.s.store.Get(c.ctx, req.Topic)
		had = err == nil && e.Lease == old.id
	}
	if full {
		return reply{}, fmt.Errorf("%w: more than %d topics on one connection", ErrBadRequest, c.s.opts.MaxTopics)
	}
	h := heldLease{connBound: req.TTL == 0}
	ttl := c.s.opts.ConnTTL
	if !h.connBound {
		ttl = min(max(seconds(req.TTL), c.s.opts.MinTTL), c.s.opts.MaxTTL)
	}
	id, err := c.s.store.Grant(c.ctx, ttl)
	if err != nil {
		return reply{}, err
	}
	h.id = id
	// Re-registering a topic this connection holds replaces its own entry.
	e := Entry{Topic: req.Topic, Address: req.Address, Since: time.Now()}
	if err := c.s.store.Put(c.ctx, e, id, req.Replace || had); err != nil {
		c.s.store.Revoke(context.WithoutCancel(c.ctx), id)
		if errors.Is(err, ErrTaken) {
			err = fmt.Errorf("%w: %q is held by a live lease (send \"replace\":true to take it over)", ErrTaken, req.Topic)
		}
		return reply{}, err
	}
	c.mu.Lock()
	c.held[req.Topic] = h
	c.mu.Unlock()
	if old.id != 0 {
		c.s.store.Revoke(c.ctx, old.id)
	}
	rep := reply{Topic: req.Topic, Address: req.Address}
	if !h.connBound {
		rep.TTL = ttl.Seconds()
	}
	return rep, nil
}

func (c *serverConn) renew(req request) (reply, error) {
	h, err := c.owned(req.Topic)
	if err != nil {
		return reply{}, err
	}
	if err := c.s.store.KeepAlive(c.ctx, h.id); err != nil {
		if errors.Is(err, ErrNoLease) {
			c.forget(req.Topic, h)
			err = fmt.Errorf("%w: the lease of %q has already ended", ErrNoLease, req.Topic)
		}
		return reply{}, err
	}
	// The lease may be alive while its topic was taken over by a replace.
	e, err := c.s.store.Get(c.ctx, req.Topic)
	if err == nil && e.Lease != h.id {
		err = fmt.Errorf("%w: %q was taken over by another registration", ErrNotOwner, req.Topic)
	}
	if err != nil {
		c.forget(req.Topic, h)
		return reply{}, err
	}
	return reply{Topic: req.Topic}, nil
}

// unregister removes a topic this connection holds, or a topic another
// connection holds if the request itself carries a write token for it (the
// connection's bearer token is not enough: removing another's entry must be
// asked for explicitly, never happen through a stale Lease.Close).
func (c *serverConn) unregister(req request) (reply, error) {
	h, err := c.owned(req.Topic)
	if errors.Is(err, ErrNotOwner) && c.s.tokens.grant(req.Token).covers(req.Topic) {
		return c.unregisterOther(req)
	}
	if err != nil {
		return reply{}, err
	}
	c.forget(req.Topic, h)
	err = c.s.store.Delete(c.ctx, req.Topic, h.id)
	c.s.store.Revoke(c.ctx, h.id)
	if err != nil {
		return reply{}, err
	}
	return reply{Topic: req.Topic}, nil
}

// unregisterOther removes the entry of topic whoever holds it. The holder's
// lease is left to end on its own: the holder learns at its next renew that
// the topic is gone, as after a replace.
func (c *serverConn) unregisterOther(req request) (reply, error) {
	e, err := c.s.store.Get(c.ctx, req.Topic)
	if err != nil {
		return reply{}, fmt.Errorf("%w: %q", err, req.Topic)
	}
	if err := c.s.store.Delete(c.ctx, req.Topic, e.Lease); err != nil {
		return reply{}, fmt.Errorf("%w: %q changed meanwhile", err, req.Topic)
	}
	c.s.opts.Logger.Info("registry: topic removed with a token", "topic", req.Topic, "remote", c.remote)
	return reply{Topic: req.Topic}, nil
}

// owned returns the lease by which this connection holds topic.
func (c *serverConn) owned(topic string) (heldLease, error) {
	if err := checkTopic(topic); err != nil {
		return heldLease{}, err
	}
	c.mu.Lock()
	h, ok := c.held[topic]
	c.mu.Unlock()
	if ok {
		return h, nil
	}
	if _, err := c.s.store.Get(c.ctx, topic); err != nil {
		return heldLease{}, err
	}
	return heldLease{}, fmt.Errorf("%w: %q was registered by another connection", ErrNotOwner, topic)
}

func (c *serverConn) forget(topic string, h heldLease) {
	c.mu.Lock()
	if c.held[topic] == h {
		delete(c.held, topic)
	}
	c.mu.Unlock()
}

func (c *serverConn) get(req request) (reply, error) {
	if err := checkTopic(req.Topic); err != nil {
		return reply{}, err
	}
	e, err := c.s.store.Get(c.ctx, req.Topic)
	if err == nil {
		return reply{Topic: e.Topic, Address: e.Address, TTL: e.TTL.Seconds()}, nil
	}
	if !errors.Is(err, ErrNotFound) || req.Wait <= 0 {
		return reply{}, fmt.Errorf("%w: %q", err, req.Topic)
	}
	if err := c.acquire(); err != nil {
		return reply{}, err
	}
	c.wg.Add(1)
	go c.waitGet(req)
	return reply{}, errAsync
}

// waitGet answers a get that waits: it runs in a goroutine of its own.
func (c *serverConn) waitGet(req request) {
	defer c.wg.Done()
	defer c.release()
	wait := min(seconds(req.Wait), c.s.opts.MaxWait)
	ctx, cancel := context.WithTimeout(c.ctx, wait)
	defer cancel()
	e, err := waitFor(ctx, c.s.store, req.Topic)
	if c.ctx.Err() != nil {
		return
	}
	if err != nil {
		c.answer(req, reply{}, fmt.Errorf("%w: %q not registered within %v", ErrNotFound, req.Topic, wait))
		return
	}
	c.answer(req, reply{Topic: e.Topic, Address: e.Address, TTL: e.TTL.Seconds()}, nil)
}

// waitFor returns the entry of topic as soon as the store has one.
func waitFor(ctx context.Context, st Store, topic string) (Entry, error) {
	for {
		snap, ch, err := st.Watch(ctx, topic)
		if err != nil {
			return Entry{}, err
		}
		for _, e := range snap {
			if e.Topic == topic {
				return e, nil
			}
		}
		for ev := range ch {
			if ev.Kind == Added && ev.Entry.Topic == topic {
				return ev.Entry, nil
			}
		}
		if err := ctx.Err(); err != nil {
			return Entry{}, err
		}
		// The watch fell behind: start again from a fresh snapshot.
	}
}

func (c *serverConn) list(req request) (reply, error) {
	es, err := c.s.store.List(c.ctx, req.Prefix)
	if err != nil {
		return reply{}, err
	}
	return reply{Entries: c.wireEntries(es)}, nil
}

func (c *serverConn) wireEntries(es []Entry) *[]wireEntry {
	now := time.Now()
	out := make([]wireEntry, len(es))
	for i, e := range es {
		out[i] = toWire(e, now)
	}
	return &out
}

func (c *serverConn) watch(req request) (reply, error) {
	if err := c.acquire(); err != nil {
		return reply{}, err
	}
	ctx, cancel := context.WithCancel(c.ctx)
	if len(req.ID) > 0 {
		c.mu.Lock()
		c.watches[string(req.ID)] = cancel
		c.mu.Unlock()
	}
	snap, ch, err := c.s.store.Watch(ctx, req.Prefix)
	if err != nil {
		cancel()
		c.release()
		return reply{}, err
	}
	// The snapshot reply must go out before any event, so it is written
	// here, before the forwarder starts.
	c.answer(req, reply{Entries: c.wireEntries(snap)}, nil)
	c.wg.Add(1)
	go c.forward(ctx, req, ch, cancel)
	return reply{}, errAsync
}

// forward sends a watch's events to the client: it runs in a goroutine of
// its own until the watch or the connection ends.
func (c *serverConn) forward(ctx context.Context, req request, ch <-chan Event, cancel context.CancelFunc) {
	defer c.wg.Done()
	defer c.release()
	defer cancel()
	defer func() {
		c.mu.Lock()
		delete(c.watches, string(req.ID))
		c.mu.Unlock()
	}()
	for ev := range ch {
		c.write(event{Event: string(ev.Kind), Watch: req.ID, wireEntry: toWire(ev.Entry, time.Now())})
	}
	if c.ctx.Err() == nil && ctx.Err() == nil {
		c.write(event{Event: "end", Watch: req.ID, wireEntry: wireEntry{Topic: req.Prefix}, Message: ErrLagged.Error()})
	}
}

// unwatch ends the watch whose request had the id in "watch".
func (c *serverConn) unwatch(req request) (reply, error) {
	c.mu.Lock()
	cancel, ok := c.watches[string(req.Watch)]
	c.mu.Unlock()
	if !ok {
		return reply{}, fmt.Errorf("%w: no watch with id %.40s", ErrBadRequest, req.Watch)
	}
	cancel()
	return reply{}, nil
}
