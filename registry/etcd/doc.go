// Package etcd is a registry.Store kept in etcd, so that several registry
// servers share one directory: a program registered on one server resolves
// on every other, and its entry vanishes everywhere when its lease ends.
//
// Each registry lease is an etcd lease and each entry a key under a prefix
// ("/telechan/registry/" by default) attached to it; watches are etcd
// prefix watches. The registry server renews the leases of its connected
// clients, so if a server dies its clients' entries go within their TTL.
// etcd rounds TTLs up to whole seconds and enforces a minimum (about 2 s
// with its default timings).
//
// It lives in a module of its own so that the core library does not
// depend on etcd.
package etcd
