package rfn_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/telechan/telechan/rfn"
)

// A Func is called like a function, here or on any peer it was sent to.
func Example() {
	ctx := context.Background()
	shout := rfn.New(func(_ context.Context, s string) (string, error) {
		return strings.ToUpper(s) + "!", nil
	}, nil)
	defer shout.Close()
	v, err := shout.Call(ctx, "stop")
	fmt.Println(v, err)
	// Output: STOP! <nil>
}
