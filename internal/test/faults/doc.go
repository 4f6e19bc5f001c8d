// Package faults holds fault tests that cross packages: connections cut at
// every point of every channel kind, remote functions and the registry,
// peers that stop reading, vanish or stop taking our writes. It has tests
// only.
package faults
