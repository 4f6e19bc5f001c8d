package telechantest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/mpsc"
	"github.com/telechan/telechan/telechantest"
)

// exampleT stands in, in this example, for the *testing.T a test is
// given: it runs the cleanups when the example ends.
type exampleT struct {
	testing.TB
	cleanups []func()
}

func (t *exampleT) Helper()                        {}
func (t *exampleT) Cleanup(f func())               { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) Fatalf(format string, a ...any) { panic(fmt.Sprintf(format, a...)) }

func (t *exampleT) done() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// A test of what a program does when the network dies under a channel.
func Example() {
	t := new(exampleT) // in a test: the *testing.T it was given
	defer t.done()
	ctx := context.Background()
	client, server, link := telechantest.Connect[*mpsc.Sender[string], *mpsc.Sender[string]](t, nil)

	tx, rx := mpsc.New[string](4)
	client.Send(ctx, tx) // the server gets a sender; rx stays here
	remote, _ := server.Recv(ctx)
	remote.Send(ctx, "hello")
	v, _ := rx.Recv(ctx)
	fmt.Println(v)

	link.Cut()
	_, err := rx.Recv(ctx)
	fmt.Println(errors.Is(err, rch.ErrDisconnected))
	// Output:
	// hello
	// true
}
