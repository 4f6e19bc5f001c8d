package bench

import (
	"context"
	"net/rpc"
	"sync"

	"github.com/telechan/telechan/internal/test/linkemu"
)

// Len is the net/rpc service of the small-call figures.
type Len struct{}

// Call sets n to the length of s.
func (Len) Call(s string, n *int) error { *n = len(s); return nil }

// netrpcCaller is Go's net/rpc (gob) over loopback TCP shaped by p: one
// client, shared by every caller, as net/rpc intends.
func netrpcCaller(ctx context.Context, p linkemu.Profile) (caller, error) {
	srv := rpc.NewServer()
	if err := srv.Register(Len{}); err != nil {
		return caller{}, err
	}
	cc, sc, err := tcpConns(ctx, p)
	if err != nil {
		return caller{}, err
	}
	var wg sync.WaitGroup
	wg.Go(func() { srv.ServeConn(sc) })
	c := rpc.NewClient(cc)
	return caller{
		call: func(context.Context) error {
			var n int
			return c.Call("Len.Call", arg, &n)
		},
		close: func() { c.Close(); sc.Close(); wg.Wait() },
	}, nil
}
