package etcd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/telechan/telechan/registry"
	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// DefaultPrefix is the etcd key prefix under which entries are kept.
const DefaultPrefix = "/telechan/registry/"

// watchBuffer is how many events a watcher may have pending before it is
// dropped as lagging, as registry.MemStore does.
const watchBuffer = 256

// Options configures a Store. A nil *Options means all defaults, and so
// does each zero field.
type Options struct {
	// Prefix is the etcd key prefix of the entries. Registry servers that
	// share a directory must use the same one. Default DefaultPrefix.
	Prefix string

	// DialTimeout bounds connecting to etcd in Open. Default 5s.
	DialTimeout time.Duration

	// Logger receives diagnostics. nil discards them.
	Logger *slog.Logger
}

// Store is a registry.Store kept in etcd. It is safe for concurrent use.
// It runs one goroutine per open watch; Close ends and waits for them.
type Store struct {
	cli    *clientv3.Client
	owns   bool
	prefix string
	log    *slog.Logger

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu   sync.Mutex
	ttls map[registry.LeaseID]time.Duration // leases granted here
	once sync.Once
}

var _ registry.Store = (*Store)(nil)

// value is what an entry's key holds.
type value struct {
	Address string    `json:"address"`
	Since   time.Time `json:"since"`
	TTL     float64   `json:"ttl"`
}

// New returns a Store that uses cli, which stays the caller's to close.
func New(cli *clientv3.Client, opts *Options) *Store {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Store{cli: cli, prefix: o.Prefix, log: o.Logger, ttls: map[registry.LeaseID]time.Duration{}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

// Open connects to the etcd cluster at endpoints (e.g. "127.0.0.1:2379")
// and returns a Store that closes the connection on Close.
func Open(ctx context.Context, endpoints []string, opts *Options) (*Store, error) {
	timeout := 5 * time.Second
	if opts != nil && opts.DialTimeout > 0 {
		timeout = opts.DialTimeout
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: timeout, Logger: zap.NewNop()})
	if err != nil {
		return nil, fmt.Errorf("etcd: connect %v: %w", endpoints, err)
	}
	// clientv3.New does not wait for a connection: check that one works.
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if _, err := cli.Status(sctx, endpoints[0]); err != nil {
		cli.Close()
		return nil, fmt.Errorf("etcd: connect %v: %w", endpoints, err)
	}
	s := New(cli, opts)
	s.owns = true
	return s, nil
}

func (s *Store) key(topic string) string { return s.prefix + topic }

// Grant implements registry.Store. etcd counts TTLs in whole seconds: ttl
// is rounded up.
func (s *Store) Grant(ctx context.Context, ttl time.Duration) (registry.LeaseID, error) {
	if s.ctx.Err() != nil {
		return 0, registry.ErrClosed
	}
	secs := int64(math.Ceil(ttl.Seconds()))
	resp, err := s.cli.Grant(ctx, max(secs, 1))
	if err != nil {
		return 0, err
	}
	id := registry.LeaseID(resp.ID)
	s.mu.Lock()
	s.ttls[id] = time.Duration(resp.TTL) * time.Second
	s.mu.Unlock()
	return id, nil
}

// KeepAlive implements registry.Store.
func (s *Store) KeepAlive(ctx context.Context, id registry.LeaseID) error {
	if s.ctx.Err() != nil {
		return registry.ErrClosed
	}
	_, err := s.cli.KeepAliveOnce(ctx, clientv3.LeaseID(id))
	return s.leaseErr(id, err)
}

// Revoke implements registry.Store.
func (s *Store) Revoke(ctx context.Context, id registry.LeaseID) error {
	if s.ctx.Err() != nil {
		return registry.ErrClosed
	}
	_, err := s.cli.Revoke(ctx, clientv3.LeaseID(id))
	if errors.Is(s.leaseErr(id, err), registry.ErrNoLease) {
		return nil
	}
	s.forget(id)
	return err
}

func (s *Store) forget(id registry.LeaseID) {
	s.mu.Lock()
	delete(s.ttls, id)
	s.mu.Unlock()
}

// leaseErr maps etcd's "lease not found" to registry.ErrNoLease.
func (s *Store) leaseErr(id registry.LeaseID, err error) error {
	if err != nil && errors.Is(rpctypes.Error(err), rpctypes.ErrLeaseNotFound) {
		s.forget(id)
		return registry.ErrNoLease
	}
	return err
}

func (s *Store) ttl(ctx context.Context, id registry.LeaseID) time.Duration {
	s.mu.Lock()
	ttl, ok := s.ttls[id]
	s.mu.Unlock()
	if ok {
		return ttl
	}
	if resp, err := s.cli.TimeToLive(ctx, clientv3.LeaseID(id)); err == nil {
		return time.Duration(resp.GrantedTTL) * time.Second
	}
	return 0
}

// Put implements registry.Store. Without replace, the put is a
// transaction that succeeds only if the key is absent or already held by
// the same lease, so two servers never both win a topic.
func (s *Store) Put(ctx context.Context, e registry.Entry, id registry.LeaseID, replace bool) error {
	if s.ctx.Err() != nil {
		return registry.ErrClosed
	}
	if e.Since.IsZero() {
		e.Since = time.Now()
	}
	b, _ := json.Marshal(value{Address: e.Address, Since: e.Since, TTL: s.ttl(ctx, id).Seconds()})
	key, lid := s.key(e.Topic), clientv3.LeaseID(id)
	put := clientv3.OpPut(key, string(b), clientv3.WithLease(lid))
	var conds []clientv3.Cmp
	if !replace {
		conds = []clientv3.Cmp{clientv3.Compare(clientv3.CreateRevision(key), "=", 0)}
	}
	for _, cond := range [][]clientv3.Cmp{conds, {clientv3.Compare(clientv3.LeaseValue(key), "=", lid)}} {
		resp, err := s.cli.Txn(ctx).If(cond...).Then(put).Commit()
		if err != nil {
			return s.leaseErr(id, err)
		}
		if resp.Succeeded {
			return nil
		}
		// The key exists: the second try succeeds only if it is ours.
	}
	return registry.ErrTaken
}

// Delete implements registry.Store.
func (s *Store) Delete(ctx context.Context, topic string, id registry.LeaseID) error {
	if s.ctx.Err() != nil {
		return registry.ErrClosed
	}
	key := s.key(topic)
	resp, err := s.cli.Txn(ctx).
		If(clientv3.Compare(clientv3.LeaseValue(key), "=", clientv3.LeaseID(id))).
		Then(clientv3.OpDelete(key)).
		Else(clientv3.OpGet(key, clientv3.WithCountOnly())).
		Commit()
	switch {
	case err != nil:
		return err
	case resp.Succeeded:
		return nil
	case resp.Responses[0].GetResponseRange().Count == 0:
		return registry.ErrNotFound
	}
	return registry.ErrNotOwner
}

// Get implements registry.Store.
func (s *Store) Get(ctx context.Context, topic string) (registry.Entry, error) {
	if s.ctx.Err() != nil {
		return registry.Entry{}, registry.ErrClosed
	}
	resp, err := s.cli.Get(ctx, s.key(topic))
	if err != nil {
		return registry.Entry{}, err
	}
	if len(resp.Kvs) == 0 {
		return registry.Entry{}, registry.ErrNotFound
	}
	return s.entry(resp.Kvs[0]), nil
}

func (s *Store) entry(kv *mvccpb.KeyValue) registry.Entry {
	var v value
	if err := json.Unmarshal(kv.Value, &v); err != nil {
		s.log.Warn("etcd: undecodable entry", "key", string(kv.Key), "err", err)
	}
	return registry.Entry{
		Lease:   registry.LeaseID(kv.Lease),
		Topic:   strings.TrimPrefix(string(kv.Key), s.prefix),
		Address: v.Address,
		Since:   v.Since,
		TTL:     time.Duration(v.TTL * float64(time.Second)),
	}
}

// List implements registry.Store.
func (s *Store) List(ctx context.Context, prefix string) ([]registry.Entry, error) {
	es, _, err := s.list(ctx, prefix)
	return es, err
}

func (s *Store) list(ctx context.Context, prefix string) ([]registry.Entry, int64, error) {
	if s.ctx.Err() != nil {
		return nil, 0, registry.ErrClosed
	}
	resp, err := s.cli.Get(ctx, s.key(prefix), clientv3.WithPrefix(),
		clientv3.WithSort(clientv3.SortByKey, clientv3.SortAscend))
	if err != nil {
		return nil, 0, err
	}
	out := make([]registry.Entry, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		out = append(out, s.entry(kv))
	}
	return out, resp.Header.Revision, nil
}

// Watch implements registry.Store: a snapshot and an etcd prefix watch
// that starts right after the snapshot's revision, so no change is missed
// or seen twice.
func (s *Store) Watch(ctx context.Context, prefix string) ([]registry.Entry, <-chan registry.Event, error) {
	if s.ctx.Err() != nil {
		return nil, nil, registry.ErrClosed
	}
	snap, rev, err := s.list(ctx, prefix)
	if err != nil {
		return nil, nil, err
	}
	wctx, cancel := context.WithCancel(s.ctx)
	stop := context.AfterFunc(ctx, cancel)
	wch := s.cli.Watch(clientv3.WithRequireLeader(wctx), s.key(prefix),
		clientv3.WithPrefix(), clientv3.WithRev(rev+1), clientv3.WithPrevKV())
	out := make(chan registry.Event, watchBuffer)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(out)
		defer stop()
		defer cancel()
		s.forward(wctx, wch, out)
	}()
	return snap, out, nil
}

// forward turns etcd watch responses into events until the watch ends or
// out is full.
func (s *Store) forward(ctx context.Context, wch clientv3.WatchChan, out chan<- registry.Event) {
	for resp := range wch {
		if err := resp.Err(); err != nil {
			s.log.Warn("etcd: watch ended", "err", err)
			return
		}
		for _, ev := range resp.Events {
			e := registry.Event{Kind: registry.Added, Entry: s.entry(ev.Kv)}
			if ev.Type == clientv3.EventTypeDelete {
				e.Kind = registry.Removed
				if ev.PrevKv != nil {
					e.Entry = s.entry(ev.PrevKv)
				}
			}
			select {
			case out <- e:
			default:
				return // the watcher fell behind
			}
		}
	}
}

// Close ends every watch and waits for their goroutines; if the Store was
// made by Open, it also closes the etcd client. Entries stay in etcd until
// their leases end. Close is idempotent.
func (s *Store) Close() error {
	var err error
	s.once.Do(func() {
		s.cancel()
		s.wg.Wait()
		if s.owns {
			err = s.cli.Close()
		}
	})
	return err
}
