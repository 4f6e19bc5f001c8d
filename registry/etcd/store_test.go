package etcd_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/telechan/telechan/registry"
	"github.com/telechan/telechan/registry/etcd"
	"github.com/telechan/telechan/registry/storetest"
)

var prefixes atomic.Int64

// open returns a store on the embedded etcd under a prefix of its own, so
// tests do not see each other's entries.
func open(t *testing.T, prefix string) *etcd.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	s, err := etcd.Open(ctx, []string{endpoint}, &etcd.Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newPrefix() string { return fmt.Sprintf("/telechan-test/%d/", prefixes.Add(1)) }

func TestStoreSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) registry.Store { return open(t, newPrefix()) })
}
