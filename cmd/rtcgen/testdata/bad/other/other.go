// Package other has an interface with a type nobody else can name.
package other

import "context"

type hidden struct{}

// Iface is embedded by bad.Hidden.
type Iface interface {
	Peek(ctx context.Context) (hidden, error)
}
