package bin_test

import (
	"context"
	"io"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/telechan/telechan/internal/test/linkemu"
	"github.com/telechan/telechan/internal/test/muxtest"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/bin"
	"github.com/telechan/telechan/rch/mpsc"
)

// slow10 is the link of the head-of-line target: 10 Mbit/s, 5 ms one way,
// a 2 MiB bottleneck buffer.
var slow10 = linkemu.Profile{Name: "slow10", Bandwidth: 10_000_000, Delay: 5 * time.Millisecond, Buffer: 2 << 20}

// BenchmarkHOL measures the round trip of a small control message on one
// channel while a bin channel of the same connection saturates the link:
// ns/op is the mean round trip; p50-ms and p99-ms its percentiles; bulk-Mbit/s
// what the bulk transfer got meanwhile, and link-% its share of the link.
func BenchmarkHOL(b *testing.B) {
	for _, p := range []linkemu.Profile{linkemu.LAN, slow10, linkemu.FourG} {
		b.Run(p.Name, func(b *testing.B) { benchHOL(b, p) })
	}
}

func benchHOL(b *testing.B, p linkemu.Profile) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cs, ss := muxtest.LinkPair(b, p, nil)
	type result struct {
		base *rch.Base[struct{}, Session]
		err  error
	}
	srv := make(chan result, 1)
	go func() {
		base, err := rch.Connect[struct{}, Session](ctx, ss, nil)
		srv <- result{base, err}
	}()
	client, err := rch.Connect[Session, struct{}](ctx, cs, nil)
	r := <-srv
	if err != nil || r.err != nil {
		b.Fatal(err, r.err)
	}
	defer client.Close()
	defer r.base.Close()

	w, rd := bin.NewSize(64)
	pingTx, pingRx := mpsc.New[int](1)
	pongTx, pongRx := mpsc.New[int](1)
	if err := client.Send(ctx, Session{Bulk: rd, Ping: pingRx, Pong: pongTx}); err != nil {
		b.Fatal(err)
	}
	s, err := r.base.Recv(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var received atomic.Int64
	go io.Copy(io.Discard, &countingReader{r: s.Bulk, n: &received, at: 1 << 62, reached: make(chan struct{})})
	go func() {
		for v, err := range s.Ping.All(ctx) {
			if err != nil || s.Pong.Send(ctx, v) != nil {
				return
			}
		}
	}()
	go func() {
		chunk := make([]byte, 256<<10)
		for ctx.Err() == nil {
			if _, err := w.WriteContext(ctx, chunk); err != nil {
				return
			}
		}
	}()
	ping := func(i int) time.Duration {
		start := time.Now()
		if err := pingTx.Send(ctx, i); err != nil {
			b.Fatal(err)
		}
		if _, err := pongRx.Recv(ctx); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	// Warm up: let the bulk transfer fill what it will fill.
	for i, end := 0, time.Now().Add(2*time.Second); time.Now().Before(end); i++ {
		ping(i)
	}
	rtts := make([]time.Duration, 0, b.N)
	startBytes, start := received.Load(), time.Now()
	b.ResetTimer()
	for i := range b.N {
		rtts = append(rtts, ping(i))
	}
	b.StopTimer()
	elapsed := time.Since(start)
	bulk := float64(received.Load()-startBytes) * 8 / elapsed.Seconds() / 1e6
	slices.Sort(rtts)
	pct := func(q float64) float64 {
		return float64(rtts[int(q*float64(len(rtts)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(bulk, "bulk-Mbit/s")
	if p.Bandwidth > 0 {
		b.ReportMetric(100*bulk*1e6/float64(p.Bandwidth), "link-%")
	}
	cancel()
}

// BenchmarkCopy measures bulk throughput of a bin channel over a loopback
// WebSocket, with nothing else on the connection: MB/s in each direction.
func BenchmarkCopy(b *testing.B) {
	for _, dir := range []string{"c2s", "s2c"} {
		b.Run("websocket/"+dir, func(b *testing.B) {
			ctx := context.Background()
			cs, ss := muxtest.WebSocketPair(b, nil)
			if dir == "s2c" {
				cs, ss = ss, cs
			}
			srv := make(chan *rch.Base[struct{}, Ends], 1)
			go func() {
				base, _ := rch.Connect[struct{}, Ends](ctx, ss, nil)
				srv <- base
			}()
			client, err := rch.Connect[Ends, struct{}](ctx, cs, nil)
			server := <-srv
			if err != nil || server == nil {
				b.Fatal(err)
			}
			defer client.Close()
			defer server.Close()
			w, r := bin.NewSize(64)
			client.Send(ctx, Ends{R: r})
			far, err := server.Recv(ctx)
			if err != nil {
				b.Fatal(err)
			}
			done := make(chan error, 1)
			go func() {
				_, err := io.Copy(io.Discard, far.R)
				done <- err
			}()
			chunk := make([]byte, 1<<20)
			b.SetBytes(int64(len(chunk)))
			b.ResetTimer()
			for range b.N {
				if _, err := w.Write(chunk); err != nil {
					b.Fatal(err)
				}
			}
			w.Close()
			if err := <-done; err != nil {
				b.Fatal(err)
			}
		})
	}
}
