package registry

import (
	"context"
	"errors"
	"sync"
	"time"
)

// RegisterOptions configures one registration. nil means the defaults.
type RegisterOptions struct {
	// TTL overrides Options.TTL for this lease.
	TTL time.Duration
	// Replace takes the topic over even if another live lease holds it.
	// Without it, such a registration fails with ErrTaken.
	Replace bool
}

// Lease is a registration the program holds: the client renews it every
// TTL/3 in a goroutine of its own, and the entry is removed when the lease
// is closed, the client is closed or its connection is lost, or renewals
// stop reaching the registry for a TTL.
type Lease struct {
	c       *Client
	topic   string
	address string
	ttl     time.Duration

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	mu        sync.Mutex
	err       error
}

// Register registers topic at address under a lease. It fails with an
// error matching ErrTaken if another live lease holds topic and
// opts.Replace is not set, and with one matching ErrUnauthorized if the
// registry requires a write token and Options.Token does not cover topic.
func (c *Client) Register(ctx context.Context, topic, address string, opts *RegisterOptions) (*Lease, error) {
	var ro RegisterOptions
	if opts != nil {
		ro = *opts
	}
	if ro.TTL <= 0 {
		ro.TTL = c.opts.TTL
	}
	rep, err := c.call(ctx, request{Request: "register", Topic: topic, Address: address, TTL: ro.TTL.Seconds(), Replace: ro.Replace, Token: c.opts.Token})
	if err != nil {
		return nil, err
	}
	l := &Lease{c: c, topic: topic, address: address, ttl: seconds(rep.TTL), stop: make(chan struct{}), done: make(chan struct{})}
	if l.ttl <= 0 {
		l.ttl = ro.TTL
	}
	c.wg.Add(1)
	go l.renew()
	return l, nil
}

// Topic returns the registered topic.
func (l *Lease) Topic() string { return l.topic }

// Address returns the registered address.
func (l *Lease) Address() string { return l.address }

// TTL returns the lease's time to live as granted by the server.
func (l *Lease) TTL() time.Duration { return l.ttl }

// Done is closed when the lease has ended: closed, lost with the client's
// connection, or refused at renewal.
func (l *Lease) Done() <-chan struct{} { return l.done }

// Err returns nil while the lease is live, then why it ended: ErrClosed
// after Close, or the error of the connection or the failed renewal.
func (l *Lease) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Close stops renewing the lease and unregisters its topic. It returns nil
// if the lease had already ended (its entry is gone then too). It is
// idempotent and waits for the renewer goroutine.
func (l *Lease) Close() error {
	var err error
	l.closeOnce.Do(func() {
		close(l.stop)
		<-l.done
		if l.Err() != ErrClosed {
			return
		}
		ctx, cancel := context.WithTimeout(l.c.ctx, writeTimeout)
		defer cancel()
		err = l.c.unregisterHeld(ctx, l.topic)
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrNotOwner) || l.c.Err() != nil {
			err = nil
		}
	})
	return err
}

// renew is the renewer goroutine.
func (l *Lease) renew() {
	defer l.c.wg.Done()
	t := time.NewTicker(l.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			l.finish(ErrClosed)
			return
		case <-l.c.done:
			l.finish(l.c.Err())
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(l.c.ctx, l.ttl/3)
		_, err := l.c.call(ctx, request{Request: "renew", Topic: l.topic})
		cancel()
		if errors.Is(err, ErrNoLease) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrNotOwner) {
			l.finish(err)
			return
		}
	}
}

func (l *Lease) finish(err error) {
	l.mu.Lock()
	l.err = err
	l.mu.Unlock()
	close(l.done)
}
