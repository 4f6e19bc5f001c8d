package bench

import (
	"context"
	"os"
	"runtime"
	"time"

	"github.com/telechan/telechan/rch/mpsc"
)

// snap is the process's memory after garbage collection: live heap plus
// goroutine stacks (an idle goroutine's stack is memory like any other),
// and the number of goroutines.
type snap struct {
	bytes      int64
	goroutines int
}

func snapshot() snap {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return snap{bytes: int64(ms.HeapAlloc + ms.StackInuse), goroutines: runtime.NumGoroutine()}
}

// perItem returns (after - before) / n: bytes and goroutines per item.
func perItem(before, after snap, n int) (bytes, goroutines float64) {
	return float64(after.bytes-before.bytes) / float64(n), float64(after.goroutines-before.goroutines) / float64(n)
}

// settle waits until the goroutine count has not changed for 100 ms (at
// most 5 s), so that goroutines started on the way are counted.
func settle() {
	last, stable := runtime.NumGoroutine(), 0
	for i := 0; i < 500 && stable < 10; i++ {
		time.Sleep(10 * time.Millisecond)
		if n := runtime.NumGoroutine(); n == last {
			stable++
		} else {
			last, stable = n, 0
		}
	}
}

// Idle carries the receiving half of an idle channel across.
type Idle struct {
	Rx *mpsc.Receiver[int] `json:"rx"`
}

// measureIdleChannels opens n idle remote mpsc channels (capacity 16)
// across one telechan connection on loopback: the client makes each
// channel and sends its Receiver to the server, and neither side sends a
// value. It returns the growth of the whole process per channel: both
// sides of the connection summed, local halves included.
func measureIdleChannels(ctx context.Context, n int) (bytes, goroutines float64, err error) {
	if os.Getenv(heapProfileEnv) != "" {
		runtime.MemProfileRate = 64
	}
	tp, err := dialTelechan(ctx, lan)
	if err != nil {
		return 0, 0, err
	}
	defer tp.close()
	cb, sb, err := bases[Idle, struct{}](ctx, tp)
	if err != nil {
		return 0, 0, err
	}
	defer cb.Close()
	defer sb.Close()
	open := func(k int) ([]*mpsc.Sender[int], []*mpsc.Receiver[int], error) {
		txs, rxs := make([]*mpsc.Sender[int], 0, k), make([]*mpsc.Receiver[int], 0, k)
		for range k {
			tx, rx := mpsc.New[int](16)
			if err := cb.Send(ctx, Idle{Rx: rx}); err != nil {
				return nil, nil, err
			}
			got, err := sb.Recv(ctx)
			if err != nil {
				return nil, nil, err
			}
			txs, rxs = append(txs, tx), append(rxs, got.Rx)
		}
		return txs, rxs, nil
	}
	// A few first, so that one-time costs (type caches, grown buffers)
	// fall before the baseline.
	wtx, wrx, err := open(16)
	if err != nil {
		return 0, 0, err
	}
	settle()
	before := snapshot()
	txs, rxs, err := open(n)
	if err != nil {
		return 0, 0, err
	}
	settle()
	after := snapshot()
	if path := os.Getenv(heapProfileEnv); path != "" {
		err = writeHeapProfile(path)
	}
	runtime.KeepAlive(wtx)
	runtime.KeepAlive(wrx)
	runtime.KeepAlive(txs)
	runtime.KeepAlive(rxs)
	bytes, goroutines = perItem(before, after, n)
	return bytes, goroutines, err
}
