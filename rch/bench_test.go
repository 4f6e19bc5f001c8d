package rch_test

import (
	"fmt"
	"testing"
)

// BenchmarkBase measures the base channel one way: values of 100 bytes
// (messages/s) and of 1 MiB (MB/s), over each transport and codec.
func BenchmarkBase(b *testing.B) {
	for _, e := range envs() {
		for _, size := range []int{100, 1 << 20} {
			b.Run(fmt.Sprintf("%s/%dB", e.Name, size), func(b *testing.B) {
				benchBase(b, e, size)
			})
		}
	}
}

func benchBase(b *testing.B, e env, size int) {
	ctx := testCtx(b)
	client, server := connect[[]byte, []byte](b, e, nil, nil)
	v := make([]byte, size)
	for i := range v {
		v[i] = byte(i)
	}
	errc := make(chan error, 1)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	go func() {
		for range b.N {
			if err := client.Send(ctx, v); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	for range b.N {
		if _, err := server.Recv(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
