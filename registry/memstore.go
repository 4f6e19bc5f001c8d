package registry

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// watchBuffer is how many events a watcher may have pending before it is
// dropped as lagging.
const watchBuffer = 256

// MemStore is the embedded in-memory [Store]: one process, nothing to
// install. Its zero value is not usable; call [NewMemStore].
//
// MemStore runs one goroutine, the reaper, which removes the entries of
// leases whose TTL has passed; Close waits for it. All methods take one
// mutex briefly and never hold it while blocking: events go to buffered
// channels with a non-blocking send, and a watcher whose buffer is full is
// dropped (its channel closed).
type MemStore struct {
	mu       sync.Mutex
	next     LeaseID
	leases   map[LeaseID]*memLease
	entries  map[string]*memEntry
	watchers map[*memWatcher]struct{}
	closed   bool

	kick chan struct{} // wakes the reaper when a deadline moves earlier
	quit chan struct{}
	done chan struct{}
	now  func() time.Time
}

type memLease struct {
	ttl      time.Duration
	deadline time.Time
	topics   map[string]struct{}
}

type memEntry struct {
	e     Entry
	lease LeaseID
}

type memWatcher struct {
	prefix string
	ch     chan Event
}

// NewMemStore returns an empty in-memory store. Close it when done.
func NewMemStore() *MemStore {
	s := &MemStore{
		leases:   map[LeaseID]*memLease{},
		entries:  map[string]*memEntry{},
		watchers: map[*memWatcher]struct{}{},
		kick:     make(chan struct{}, 1),
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
		now:      time.Now,
	}
	go s.reap()
	return s
}

// Grant implements [Store].
func (s *MemStore) Grant(ctx context.Context, ttl time.Duration) (LeaseID, error) {
	if ttl <= 0 {
		return 0, ErrBadRequest
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, ErrClosed
	}
	s.next++
	s.leases[s.next] = &memLease{ttl: ttl, deadline: s.now().Add(ttl), topics: map[string]struct{}{}}
	s.wake()
	return s.next, nil
}

// KeepAlive implements [Store].
func (s *MemStore) KeepAlive(ctx context.Context, id LeaseID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.leases[id]
	if !ok {
		return ErrNoLease
	}
	l.deadline = s.now().Add(l.ttl)
	return nil
}

// Revoke implements [Store].
func (s *MemStore) Revoke(ctx context.Context, id LeaseID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropLease(id)
	return nil
}

// Put implements [Store].
func (s *MemStore) Put(ctx context.Context, e Entry, id LeaseID, replace bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.leases[id]
	if !ok {
		return ErrNoLease
	}
	if old, ok := s.entries[e.Topic]; ok && old.lease != id {
		if !replace {
			return ErrTaken
		}
		delete(s.leases[old.lease].topics, e.Topic)
	}
	e.TTL, e.Lease = l.ttl, id
	if e.Since.IsZero() {
		e.Since = s.now()
	}
	s.entries[e.Topic] = &memEntry{e: e, lease: id}
	l.topics[e.Topic] = struct{}{}
	s.notify(Event{Kind: Added, Entry: e})
	return nil
}

// Delete implements [Store].
func (s *MemStore) Delete(ctx context.Context, topic string, id LeaseID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	me, ok := s.entries[topic]
	switch {
	case !ok:
		return ErrNotFound
	case me.lease != id:
		return ErrNotOwner
	}
	s.remove(topic)
	return nil
}

// Get implements [Store].
func (s *MemStore) Get(ctx context.Context, topic string) (Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if me, ok := s.entries[topic]; ok {
		return me.e, nil
	}
	return Entry{}, ErrNotFound
}

// List implements [Store].
func (s *MemStore) List(ctx context.Context, prefix string) ([]Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.list(prefix), nil
}

func (s *MemStore) list(prefix string) []Entry {
	out := []Entry{}
	for t, me := range s.entries {
		if strings.HasPrefix(t, prefix) {
			out = append(out, me.e)
		}
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.Topic, b.Topic) })
	return out
}

// Watch implements [Store].
func (s *MemStore) Watch(ctx context.Context, prefix string) ([]Entry, <-chan Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, nil, ErrClosed
	}
	w := &memWatcher{prefix: prefix, ch: make(chan Event, watchBuffer)}
	s.watchers[w] = struct{}{}
	// context.AfterFunc runs its function in a goroutine of its own only
	// once ctx ends; stop() below never needs to wait for it because the
	// function only takes the mutex and closes the channel.
	context.AfterFunc(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.dropWatcher(w)
	})
	return s.list(prefix), w.ch, nil
}

// Close implements [Store]: it ends every watch and waits for the reaper.
// It is idempotent.
func (s *MemStore) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for w := range s.watchers {
		s.dropWatcher(w)
	}
	s.mu.Unlock()
	close(s.quit)
	<-s.done
	return nil
}

// notify sends ev to every watcher whose prefix matches; s.mu is held.
func (s *MemStore) notify(ev Event) {
	for w := range s.watchers {
		if !strings.HasPrefix(ev.Entry.Topic, w.prefix) {
			continue
		}
		select {
		case w.ch <- ev:
		default:
			s.dropWatcher(w)
		}
	}
}

func (s *MemStore) dropWatcher(w *memWatcher) {
	if _, ok := s.watchers[w]; ok {
		delete(s.watchers, w)
		close(w.ch)
	}
}

// remove deletes the entry of topic and tells the watchers; s.mu is held.
func (s *MemStore) remove(topic string) {
	me := s.entries[topic]
	delete(s.entries, topic)
	if l, ok := s.leases[me.lease]; ok {
		delete(l.topics, topic)
	}
	s.notify(Event{Kind: Removed, Entry: me.e})
}

// dropLease ends lease id and removes its entries; s.mu is held.
func (s *MemStore) dropLease(id LeaseID) {
	l, ok := s.leases[id]
	if !ok {
		return
	}
	for _, t := range slices.Sorted(maps.Keys(l.topics)) {
		s.remove(t)
	}
	delete(s.leases, id)
}

func (s *MemStore) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// reap is the reaper goroutine: it sleeps until the earliest lease deadline,
// then ends the leases that have passed it. A renewal only moves deadlines
// later, so it needs no wake-up; a new lease might be earliest, so Grant
// kicks.
func (s *MemStore) reap() {
	defer close(s.done)
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		t.Reset(s.expire())
		select {
		case <-s.quit:
			return
		case <-s.kick:
		case <-t.C:
		}
	}
}

// expire ends overdue leases and returns how long until the next deadline.
func (s *MemStore) expire() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	next := time.Hour
	for id, l := range s.leases {
		if d := l.deadline.Sub(now); d <= 0 {
			s.dropLease(id)
		} else if d < next {
			next = d
		}
	}
	return next
}
