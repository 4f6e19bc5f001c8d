package counter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/telechan/telechan/examples/internal/exkit"
	"github.com/telechan/telechan/rch/mpsc"
	"github.com/telechan/telechan/rch/watch"
	"github.com/telechan/telechan/registry"
)

// Use connects to the counter (waiting up to 10 s for it to be registered)
// and uses each of its methods.
func Use(ctx context.Context, reg *registry.Options, out *exkit.Writer) error {
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	base, err := registry.ConnectBase[struct{}, *CounterClient](wait, Topic, reg)
	if err != nil {
		return fmt.Errorf("client: finding %q: %w", Topic, err)
	}
	defer base.Close()
	c, err := base.Recv(wait)
	if err != nil {
		return err
	}
	defer c.Close()
	return use(ctx, c, out)
}

func use(ctx context.Context, c Counter, out *exkit.Writer) error {
	v, err := c.Value(ctx)
	if err != nil {
		return err
	}
	out.Printf("client: the value is %d", v)
	w, err := c.Watch(ctx)
	if err != nil {
		return err
	}
	defer w.Close()
	out.Printf("client: got a watch receiver back from Watch")
	for _, by := range []int{3, 4} {
		if err := increase(ctx, c, w, by, out); err != nil {
			return err
		}
	}
	if err := count(ctx, c, 2, out); err != nil {
		return err
	}
	err = c.Increase(ctx, Limit)
	out.Printf("client: increase by %d failed: %v (errors.Is ErrOverflow: %v)", Limit, err, errors.Is(err, ErrOverflow))
	if !errors.Is(err, ErrOverflow) {
		return fmt.Errorf("client: increase beyond the limit: %v", err)
	}
	return nil
}

// increase increases the counter and waits until the watch shows it.
func increase(ctx context.Context, c Counter, w *watch.Receiver[int], by int, out *exkit.Writer) error {
	want, err := c.Value(ctx)
	if err != nil {
		return err
	}
	want += by
	if err := c.Increase(ctx, by); err != nil {
		return err
	}
	for v := -1; v != want; {
		if v, err = w.Recv(ctx); err != nil {
			return err
		}
	}
	out.Printf("client: increased by %d; the watch shows %d", by, want)
	return nil
}

// count passes the sending half of a local channel to CountToValue and
// prints what arrives on the receiving half.
func count(ctx context.Context, c Counter, step int, out *exkit.Writer) error {
	tx, rx := mpsc.New[int](4)
	defer rx.Close()
	if err := c.CountToValue(ctx, step, tx); err != nil {
		return err
	}
	var got []string
	for n, err := range rx.All(ctx) {
		if err != nil {
			return err
		}
		got = append(got, fmt.Sprint(n))
	}
	out.Printf("client: CountToValue(step %d) streamed %s into our channel, then closed it", step, strings.Join(got, " "))
	return nil
}
