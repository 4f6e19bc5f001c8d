package bench

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	Helper() // the child side of the idle-connection figure
	goleak.VerifyTestMain(m)
}
