package rfn_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/telechan/telechan/internal/test/rchtest"
	"github.com/telechan/telechan/rfn"
)

// BenchmarkCall measures calls of a remote function with a ~100-byte
// argument over a loopback WebSocket (CBOR), one caller and 64 at once.
func BenchmarkCall(b *testing.B) {
	e := rchtest.Envs()[3] // websocket/cbor
	arg := strings.Repeat("x", 100)
	for _, conc := range []int{1, 64} {
		b.Run(fmt.Sprintf("%s/c%d", e.Name, conc), func(b *testing.B) {
			fn := rfn.New(length, nil)
			a, s := rchtest.Connect[Offer, Offer](b, e, nil, nil)
			ctx := context.Background()
			a.Send(ctx, Offer{Fn: fn})
			o, err := s.Recv(ctx)
			if err != nil {
				b.Fatal(err)
			}
			defer o.Fn.Close()
			b.ReportAllocs()
			b.ResetTimer()
			if conc == 1 {
				for range b.N {
					if _, err := o.Fn.Call(ctx, arg); err != nil {
						b.Fatal(err)
					}
				}
			} else {
				b.SetParallelism((conc + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := o.Fn.Call(ctx, arg); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
		})
	}
}
