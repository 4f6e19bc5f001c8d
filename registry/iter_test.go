package registry_test

import (
	"iter"

	"github.com/telechan/telechan/registry"
)

// iterPull is iter.Pull2 for Follow's sequence.
func iterPull(seq iter.Seq2[registry.Event, error]) (func() (registry.Event, error, bool), func()) {
	return iter.Pull2(seq)
}
