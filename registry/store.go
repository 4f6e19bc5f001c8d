package registry

import (
	"context"
	"time"
)

// Entry is one registration: a topic and the address it resolves to.
type Entry struct {
	// Topic is the free-form name, e.g. "elmo".
	Topic string `json:"topic"`
	// Address is where the topic's owner can be reached, e.g.
	// "ws://10.0.0.7:41234/".
	Address string `json:"address"`
	// Since is when the entry was registered.
	Since time.Time `json:"since"`
	// TTL is the lease's time to live: the entry vanishes if its lease is
	// not renewed within TTL.
	TTL time.Duration `json:"ttl"`
	// Lease is the lease that holds the entry, as the store reports it.
	Lease LeaseID `json:"-"`
}

// EventKind says what happened to an entry.
type EventKind string

// The kinds of watch events.
const (
	// Added: the entry was registered (or replaced: then Entry is the new
	// one).
	Added EventKind = "added"
	// Removed: the entry was unregistered or its lease ended. Entry.Address
	// is the address it had, when the store knows it.
	Removed EventKind = "removed"
)

// Event is one change seen by a watch.
type Event struct {
	Kind  EventKind
	Entry Entry
}

// LeaseID names a lease in a Store. Zero is never a valid lease.
type LeaseID int64

// Store is the state behind a registry server: entries held by leases.
// [NewMemStore] is the embedded default; the nested module
// github.com/telechan/telechan/registry/etcd keeps the state in etcd so
// several servers share it. Package registry/storetest checks an
// implementation.
//
// A Store must be safe for concurrent use. Every method but Close takes a
// ctx that bounds that call only.
type Store interface {
	// Grant creates a lease that ends unless renewed within ttl.
	Grant(ctx context.Context, ttl time.Duration) (LeaseID, error)
	// KeepAlive renews the lease for another full TTL, or returns
	// ErrNoLease if it has already ended.
	KeepAlive(ctx context.Context, id LeaseID) error
	// Revoke ends the lease at once, removing its entries. Revoking an
	// unknown lease is not an error.
	Revoke(ctx context.Context, id LeaseID) error
	// Put stores e under lease id. If another live lease holds e.Topic, Put
	// returns ErrTaken unless replace is set, in which case the entry moves
	// to id.
	Put(ctx context.Context, e Entry, id LeaseID, replace bool) error
	// Delete removes topic if lease id holds it: ErrNotFound if no entry
	// holds the topic, ErrNotOwner if another lease does.
	Delete(ctx context.Context, topic string, id LeaseID) error
	// Get returns the live entry of topic, or ErrNotFound.
	Get(ctx context.Context, topic string) (Entry, error)
	// List returns the live entries whose topic starts with prefix, sorted
	// by topic.
	List(ctx context.Context, prefix string) ([]Entry, error)
	// Watch returns the entries whose topic starts with prefix and a
	// channel of the changes after that snapshot. The channel is closed
	// when ctx ends, the store closes, or the watcher falls behind (then
	// the next snapshot must come from a new Watch).
	Watch(ctx context.Context, prefix string) ([]Entry, <-chan Event, error)
	// Close releases the store. Entries of a memory store are lost;
	// a shared store keeps them until their leases end.
	Close() error
}
