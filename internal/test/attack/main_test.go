package attack_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv("TELECHAN_ATTACK_SERVER") == "1" {
		serverMain()
		return
	}
	goleak.VerifyTestMain(m)
}
