package bench

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/telechan/telechan/internal/test/linkemu"
)

// BenchmarkRPC is the small-call figures as a go test benchmark, for
// profiling one peer (-cpuprofile) rather than for the table:
//
//	go test -run '^$' -bench 'RPC/telechan/c64' -cpuprofile cpu.out
func BenchmarkRPC(b *testing.B) {
	peers := []struct {
		name string
		open func(context.Context, linkemu.Profile) (caller, error)
	}{{"telechan", telechanCaller}, {"telechan-noresume", func(ctx context.Context, p linkemu.Profile) (caller, error) {
		return telechanCallerWith(ctx, p, noResume)
	}}, {"grpc", grpcCaller}, {"netrpc", netrpcCaller}}
	for _, conc := range []int{1, 64} {
		for _, p := range peers {
			b.Run(fmt.Sprintf("%s/c%d", p.name, conc), func(b *testing.B) {
				ctx := context.Background()
				c, err := p.open(ctx, lan)
				if err != nil {
					b.Fatal(err)
				}
				defer c.close()
				if conc == 1 {
					for b.Loop() {
						if err := c.call(ctx); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
					return
				}
				b.SetParallelism(max(conc/runtime.GOMAXPROCS(0), 1))
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := c.call(ctx); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
			})
		}
	}
}

// BenchmarkBulk is the bulk figures as a go test benchmark (MB/s), for
// profiling one peer:
//
//	go test -run '^$' -bench 'Bulk/telechan/c2s' -cpuprofile cpu.out
func BenchmarkBulk(b *testing.B) {
	peers := []struct {
		name string
		open func(context.Context, linkemu.Profile, Dir) (pipe, error)
	}{{"telechan", telechanBulk}, {"telechan-noresume", func(ctx context.Context, p linkemu.Profile, d Dir) (pipe, error) {
		return telechanBulkWith(ctx, p, d, noResume)
	}}, {"tcp", tcpBulk}, {"ws", wsBulk}, {"yamux", yamuxBulk}, {"grpc", grpcBulk}}
	for _, dir := range []Dir{C2S, S2C} {
		for _, p := range peers {
			b.Run(p.name+"/"+string(dir), func(b *testing.B) {
				pp, err := p.open(context.Background(), lan, dir)
				if err != nil {
					b.Fatal(err)
				}
				f := startFlow(pp)
				defer f.stop()
				b.SetBytes(msgSize)
				b.ResetTimer()
				// One op is msgSize bytes arriving; the flow runs flat out.
				start := f.received.Load()
				for f.received.Load()-start < int64(b.N)*msgSize && f.failed() == nil {
					time.Sleep(100 * time.Microsecond)
				}
				b.StopTimer()
				if err := f.failed(); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}
