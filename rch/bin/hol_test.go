package bin_test

import (
	"github.com/telechan/telechan/codec"
	"github.com/telechan/telechan/internal/test/muxtest"
	"github.com/telechan/telechan/mux"
	"io"
	"sync/atomic"
	"testing"

	"github.com/telechan/telechan/internal/test/rchtest"
	"github.com/telechan/telechan/rch/bin"
	"github.com/telechan/telechan/rch/mpsc"
)

type Session struct {
	Bulk *bin.Reader         `json:"bulk"`
	Ping *mpsc.Receiver[int] `json:"ping"`
	Pong *mpsc.Sender[int]   `json:"pong"`
}

// TestControlDuringBulk: while a bin channel saturates the connection,
// small messages on another channel of the same connection still make
// their round trips — during the transfer, not after it.
func TestControlDuringBulk(t *testing.T) {
	envs := append(rchtest.Envs(), rchtest.Env{
		Name: "slow10/cbor",
		Pair: func(tb testing.TB, o *mux.Options) (*mux.Session, *mux.Session) {
			return muxtest.LinkPair(tb, slow10, o)
		},
		Codec: codec.CBOR,
	})
	for _, e := range envs {
		t.Run(e.Name, func(t *testing.T) { controlDuringBulk(t, e) })
	}
}

func controlDuringBulk(t *testing.T, e rchtest.Env) {
	{
		ctx := rchtest.Ctx(t)
		client, server := rchtest.Connect[Session, struct{}](t, e, nil, nil)
		w, r := bin.NewSize(64)
		pingTx, pingRx := mpsc.New[int](1)
		pongTx, pongRx := mpsc.New[int](1)
		if err := client.Send(ctx, Session{Bulk: r, Ping: pingRx, Pong: pongTx}); err != nil {
			t.Fatal(err)
		}
		s, err := server.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}

		var received atomic.Int64
		flowing := make(chan struct{}) // closed once 1 MiB has arrived
		bulkDone := make(chan error, 1)
		go func() { // the far side drains the bulk stream
			_, err := io.Copy(io.Discard, &countingReader{r: s.Bulk, n: &received, at: 1 << 20, reached: flowing})
			bulkDone <- err
		}()
		go func() { // the far side answers pings
			for {
				v, err := s.Ping.Recv(ctx)
				if err != nil {
					s.Pong.Close()
					return
				}
				s.Pong.Send(ctx, v)
			}
		}()
		stop := make(chan struct{})
		go func() { // bulk: write until told to stop
			chunk := make([]byte, 256<<10)
			for {
				select {
				case <-stop:
					w.Close()
					return
				default:
				}
				if _, err := w.WriteContext(ctx, chunk); err != nil {
					return
				}
			}
		}()

		// Wait until bulk data flows, then make round trips while it does.
		select {
		case <-flowing:
		case <-ctx.Done():
			t.Fatal("bulk data never flowed")
		}
		// At least 30 round trips, and on until some bulk data moved
		// meanwhile: in memory, 30 of them can take less than a bulk
		// frame does.
		const pings = 30
		startBytes := received.Load()
		i := 0
		for ; i < pings || (received.Load() == startBytes && i < 100*pings); i++ {
			pingTx.Send(ctx, i)
			if v, err := pongRx.Recv(ctx); v != i || err != nil {
				t.Fatalf("ping %d: %v, %v", i, v, err)
			}
		}
		during := received.Load() - startBytes
		close(stop)
		if err := <-bulkDone; err != nil {
			t.Fatalf("bulk: %v", err)
		}
		pingTx.Close()
		if during <= 0 {
			t.Fatalf("no bulk data moved while %d pings ran: they waited for it", i)
		}
		t.Logf("%d round trips while %d KiB of bulk data moved", i, during>>10)
	}
}

// countingReader counts what it reads and closes reached once the count
// passes at.
type countingReader struct {
	r       *bin.Reader
	n       *atomic.Int64
	at      int64
	reached chan struct{}
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if total := c.n.Add(int64(n)); total-int64(n) < c.at && total >= c.at {
		close(c.reached)
	}
	return n, err
}
