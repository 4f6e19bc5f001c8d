package rch_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/bin"
	"github.com/telechan/telechan/rch/mpsc"
	"github.com/telechan/telechan/rch/oneshot"
)

// cutConn kills the connection (both ends) once limit bytes have been
// written through it, counting both directions.
type cutConn struct {
	net.Conn
	limit   int64
	written *atomic.Int64
	cut     func()
}

func (c cutConn) Write(p []byte) (int, error) {
	if c.written.Add(int64(len(p))) > c.limit {
		c.cut()
		return 0, net.ErrClosed
	}
	return c.Conn.Write(p)
}

type Job struct {
	Numbers *mpsc.Sender[int]       `json:"numbers"`
	Image   *bin.Writer             `json:"image"`
	Reply   *oneshot.Sender[string] `json:"reply"`
}

// complete counts the runs whose job got through before the cut.
var complete atomic.Int64

const (
	jobNumbers = 50
	jobImage   = 40 << 10
)

// TestConnectionCut cuts the connection after N bytes, for many N: during
// the handshake, while halves are in flight inside a message, mid-stream.
// Every call must return — with an error that says the connection was lost,
// never a clean end for a stream that was cut short — and no goroutine may
// be left.
func TestConnectionCut(t *testing.T) {
	var limits []int64
	for n := int64(1); n < 120<<10; n = n*5/4 + 7 {
		limits = append(limits, n)
	}
	for _, limit := range limits {
		t.Run(fmt.Sprint(limit), func(t *testing.T) { runCut(t, limit) })
	}
	if complete.Load() == 0 {
		t.Errorf("no run got through the whole job: the largest limit should allow it")
	}
	t.Logf("%d cut points, %d runs completed the job", len(limits), complete.Load())
	goleak.VerifyNone(t)
}

func runCut(t *testing.T, limit int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	a, b := net.Pipe()
	var once sync.Once
	cut := func() { once.Do(func() { a.Close(); b.Close() }) }
	var written atomic.Int64
	cs, err := mux.Client(cutConn{a, limit, &written, cut}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ss, err := mux.Server(cutConn{b, limit, &written, cut}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	defer ss.Close()

	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the server does the job it is given, as far as it can
		defer wg.Done()
		base, err := rch.Connect[struct{}, Job](ctx, ss, nil)
		if err != nil {
			return
		}
		defer base.Close()
		job, err := base.Recv(ctx)
		if err != nil {
			return
		}
		for i := range jobNumbers {
			if job.Numbers.Send(ctx, i) != nil {
				break
			}
		}
		job.Numbers.Close()
		job.Image.Write(bytes.Repeat([]byte{7}, jobImage))
		job.Image.Close()
		job.Reply.Send("done")
		base.Recv(ctx) // until the client goes
	}()

	base, err := rch.Connect[Job, struct{}](ctx, cs, nil)
	if err != nil {
		checkLost(t, "Connect", err)
		wg.Wait()
		return
	}
	defer base.Close()
	numbers, numbersRx := mpsc.New[int](4)
	image, imageRx := bin.New()
	reply, replyRx := oneshot.New[string]()
	if err := base.Send(ctx, Job{Numbers: numbers, Image: image, Reply: reply}); err != nil {
		checkLost(t, "Send", err)
	}
	got, err := collect(ctx, numbersRx.Recv)
	if errors.Is(err, io.EOF) && len(got) != jobNumbers {
		t.Fatalf("numbers ended cleanly after %d of %d", len(got), jobNumbers)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		checkLost(t, "numbers", err)
	}
	img, err := io.ReadAll(imageRx)
	if err == nil && len(img) != jobImage {
		t.Fatalf("image ended cleanly after %d of %d bytes", len(img), jobImage)
	}
	if err != nil {
		checkLost(t, "image", err)
	}
	if _, err := replyRx.Recv(ctx); err != nil {
		checkLost(t, "reply", err)
	} else if written.Load() <= limit {
		complete.Add(1)
	}
	base.Close()
	wg.Wait()
}

// checkLost fails unless err says the connection was lost (or the half was
// dropped because of it). A timeout means something hung.
func checkLost(t *testing.T, what string, err error) {
	t.Helper()
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%s hung: %v", what, err)
	}
	if !errors.Is(err, rch.ErrDisconnected) && !errors.Is(err, rch.ErrDropped) &&
		!errors.Is(err, rch.ErrHandshake) && !errors.Is(err, oneshot.ErrNoValue) {
		t.Fatalf("%s: %v, want an error saying the connection was lost", what, err)
	}
}
