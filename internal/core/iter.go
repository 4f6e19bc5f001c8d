package core

import (
	"context"
	"errors"
	"io"
	"iter"
)

// All turns a Recv method into a range-over-func iterator: it yields each
// value with a nil error and stops quietly at io.EOF. An error for one item
// (ErrDecode, ErrTooLarge, ErrLagged) is yielded and the loop goes on; any
// other error is yielded once and ends the loop.
func All[T any](ctx context.Context, recv func(context.Context) (T, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			v, err := recv(ctx)
			switch {
			case err == nil:
				if !yield(v, nil) {
					return
				}
			case errors.Is(err, io.EOF):
				return
			case errors.Is(err, ErrDecode), errors.Is(err, ErrTooLarge), errors.Is(err, ErrLagged):
				if !yield(v, err) {
					return
				}
			default:
				yield(v, err)
				return
			}
		}
	}
}
