package core

import (
	"context"
	"errors"
	"testing"
	"time"
)

// testRx is a receiver half as a kind package makes one (see mpsc).
type testRx struct {
	Handle
	rx Rx[[]byte]
}

func (r *testRx) UnmarshalCBOR(b []byte) error {
	r.Handle = HandleOf(&r.rx.Port)
	return r.rx.DecodeCBOR(b, "mpsc.Receiver")
}

// rxMsg carries a receiver, for the tests below.
type rxMsg struct {
	Rx *testRx `cbor:"rx"`
}

// receivedRx returns a receiver that lived on c (the client) and was
// received by s, with its sender kept on c.
func receivedRx(t *testing.T, capacity int, ccfg, scfg Config) (c, s *Conn, tx *Tx[[]byte], rx *Rx[[]byte]) {
	t.Helper()
	ctx := testCtx(t)
	c, s, btx, _, _, brx := pair[rxMsg](t, ccfg, scfg)
	tx, lrx := new(Tx[[]byte]), new(testRx)
	InitPair(tx, &lrx.rx, capacity, "mpsc.Sender", "mpsc.Receiver")
	lrx.Handle = HandleOf(&lrx.rx.Port)
	if err := btx.Send(ctx, rxMsg{Rx: lrx}); err != nil {
		t.Fatal(err)
	}
	m, err := brx.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return c, s, tx, &m.Rx.rx
}

// waitUsage waits until c's budget shows in and out bytes.
func waitUsage(t *testing.T, c *Conn, wantIn, wantOut func(int64) bool) (int64, int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		in, out := c.mem.usage()
		if wantIn(in) && wantOut(out) {
			return in, out
		}
		if time.Now().After(deadline) {
			t.Fatalf("budget in %d, out %d", in, out)
		}
		time.Sleep(time.Millisecond) // polling a counter the bridges move
	}
}

func zero(n int64) bool { return n == 0 }
func any_(int64) bool   { return true }

// TestInboundBudgetStopsReading: a peer sending into a channel the
// application does not read fills the receiving side's inbound half and
// no more; taking the items gives it all back.
func TestInboundBudgetStopsReading(t *testing.T) {
	ctx := testCtx(t)
	const item = 64 << 10
	scfg := Config{MaxMemory: 1 << 20, MaxItemSize: item * 2} // halves of 512 KiB
	_, s, tx, rx := receivedRx(t, 1024, scfg, scfg)
	sent := make(chan int)
	go func() {
		n := 0
		for ; n < 64; n++ {
			sctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
			err := tx.Send(sctx, make([]byte, item))
			cancel()
			if err != nil {
				break
			}
		}
		sent <- n
	}()
	n := <-sent // the sender stalls: budget, then the stream's window
	in, _ := waitUsage(t, s, func(in int64) bool { return in > 0 }, any_)
	if in > s.mem.half+item {
		t.Fatalf("inbound use %d, over the half %d plus one item", in, s.mem.half)
	}
	if n >= 64 {
		t.Fatalf("all %d items went out: nothing held the sender back", n)
	}
	for range n {
		if _, err := rx.Recv(ctx); err != nil {
			t.Fatal(err)
		}
	}
	waitUsage(t, s, zero, zero)
}

// TestOutboundBudgetBlocksSend: Send to a peer that reads nothing waits
// once the outbound half is full, and returns the context's error.
func TestOutboundBudgetBlocksSend(t *testing.T) {
	ctx := testCtx(t)
	cfg := Config{MaxMemory: 1 << 20, MaxItemSize: 64 << 10}
	// The client holds the sender of a receiver it sent away: items to it
	// are encoded and queued for the peer, whose app reads nothing.
	c, _, tx, _ := receivedRx(t, 1<<20, cfg, Config{MaxQueue: 4})
	var err error
	for i := 0; i < 1000 && err == nil; i++ {
		sctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		err = tx.Send(sctx, make([]byte, 32<<10))
		cancel()
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send to a peer that reads nothing: %v, want it to wait", err)
	}
	_, out := c.mem.usage()
	if out > c.mem.half+32<<10 {
		t.Fatalf("outbound use %d, over the half %d", out, c.mem.half)
	}
}

// TestHugeCapacityClamped: a reference asking for a ring or a queue of
// 2³²−1 entries gets MaxRing or MaxQueue.
func TestHugeCapacityClamped(t *testing.T) {
	c := &Conn{cfg: Config{MaxQueue: 1024, MaxRing: 16}}
	if n := c.queueCap(1<<32 - 1); n != 1024 {
		t.Errorf("queue of %d", n)
	}
	if n := c.ringCap(1<<32 - 1); n != 16 {
		t.Errorf("ring of %d", n)
	}
	if n := c.queueCap(0); n != 1 {
		t.Errorf("queue of %d for cap 0", n)
	}
}

// TestAnyDecodeTooCostly: an item that would cost more than the inbound
// half to decode into interfaces is refused before decoding, and the
// channel goes on.
func TestAnyDecodeTooCostly(t *testing.T) {
	ctx := testCtx(t)
	cfg := Config{MaxMemory: 8 << 20, MaxItemSize: 4 << 20}
	_, _, ctx_, _, _, srx := pair[any](t, cfg, cfg)
	// 1 MiB of empty maps: about 70 MiB decoded into `any`.
	hostile := append([]byte{0x9f}, make([]byte, 1<<20)...)
	for i := 1; i < len(hostile); i++ {
		hostile[i] = 0xa0
	}
	hostile = append(hostile, 0xff)
	if err := sendRaw(ctx, ctx_, hostile); err != nil {
		t.Fatal(err)
	}
	if _, err := srx.Recv(ctx); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Recv: %v, want ErrTooLarge", err)
	}
	if err := sendRaw(ctx, ctx_, []byte{0x61, 'x'}); err != nil {
		t.Fatal(err)
	}
	if v, err := srx.Recv(ctx); err != nil || v != "x" {
		t.Fatalf("Recv after: %v, %v", v, err)
	}
}

// sendRaw queues raw, already encoded, on tx, a base channel's sender:
// it is written as it is, past the encoder.
func sendRaw[T any](ctx context.Context, tx *Tx[T], raw []byte) error {
	q, err := tx.live()
	if err != nil {
		return err
	}
	return q.push(ctx, entry[T]{raw: raw, conn: q.remoteConn(), out: true})
}

type testWatchRx struct {
	Handle
	rx WatchRx[[]byte]
}

func (r *testWatchRx) UnmarshalCBOR(b []byte) error {
	r.Handle = HandleOf(&r.rx.Port)
	return r.rx.DecodeCBOR(b, "watch.Receiver")
}

type testBcastRx struct {
	Handle
	rx BcastRx[[]byte]
}

func (r *testBcastRx) UnmarshalCBOR(b []byte) error {
	r.Handle = HandleOf(&r.rx.Port)
	return r.rx.DecodeCBOR(b, "broadcast.Receiver")
}

type kindsMsg struct {
	W *testWatchRx `cbor:"w"`
	B *testBcastRx `cbor:"b"`
}

// TestLatestValueKindsGiveBack: values held in a watch slot and a
// broadcast ring fed by the peer are charged while they can be read, and
// given back once the channel is over; a ring whose values exceed the
// inbound half pushes its oldest out.
func TestLatestValueKindsGiveBack(t *testing.T) {
	ctx := testCtx(t)
	cfg := Config{MaxMemory: 1 << 20, MaxItemSize: 64 << 10}
	_, s, btx, _, _, brx := pair[kindsMsg](t, cfg, cfg)
	wtx, wrx := new(WatchTx[[]byte]), new(testWatchRx)
	InitWatch(wtx, &wrx.rx, nil, "watch.Sender", "watch.Receiver")
	wrx.Handle = HandleOf(&wrx.rx.Port)
	rtx, rrx := new(BcastTx[[]byte]), new(testBcastRx)
	InitBcast(rtx, &rrx.rx, 1000, "broadcast.Sender", "broadcast.Receiver")
	rrx.Handle = HandleOf(&rrx.rx.Port)
	if err := btx.Send(ctx, kindsMsg{W: wrx, B: rrx}); err != nil {
		t.Fatal(err)
	}
	m, err := brx.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 { // 100 × 32 KiB: six times the inbound half
		wtx.Send(make([]byte, 32<<10))
		if err := rtx.Send(append(make([]byte, 32<<10), byte(i))); err != nil {
			t.Fatal(err)
		}
	}
	wtx.Close()
	rtx.Close()
	if _, err := m.W.rx.Recv(ctx); err != nil {
		t.Fatal(err)
	}
	var got, lagged int
	for {
		v, err := m.B.rx.Recv(ctx)
		var lag *LagError
		if errors.As(err, &lag) {
			lagged += int(lag.Missed)
			continue
		}
		if err != nil {
			break
		}
		got++
		if in, _ := s.mem.usage(); in > s.mem.half+64<<10 {
			t.Fatalf("inbound use %d over the half %d", in, s.mem.half)
		}
		_ = v
	}
	if got+lagged != 100 || got == 0 {
		t.Fatalf("%d values and %d missed, want 100 in all", got, lagged)
	}
	m.W.rx.Close()
	m.B.rx.Close()
	waitUsage(t, s, zero, zero)
}
