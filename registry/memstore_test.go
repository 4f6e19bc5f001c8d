package registry_test

import (
	"testing"

	"github.com/telechan/telechan/registry"
	"github.com/telechan/telechan/registry/storetest"
)

func TestMemStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) registry.Store { return registry.NewMemStore() })
}
