package mux_test

import (
	"io"
	"testing"

	"github.com/telechan/telechan/mux"
)

// TestNotify: a reader that keeps no goroutine on an idle stream is told
// when data arrives, when the peer closes, and when the session ends, and
// Readable says when a Read would not wait.
func TestNotify(t *testing.T) {
	forEachTransport(t, nil, func(t *testing.T, opener, acceptor *mux.Session) {
		ctx := testCtx(t)
		out, err := opener.Open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := out.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
		in, err := acceptor.Accept(ctx)
		if err != nil {
			t.Fatal(err)
		}
		signals := make(chan struct{}, 16)
		in.Notify(func() {
			select {
			case signals <- struct{}{}:
			default:
			}
		})
		// Data was there already: Notify signals at once.
		<-signals
		buf := make([]byte, 8)
		if n, err := in.Read(buf); n != 1 || err != nil {
			t.Fatalf("Read: %d, %v", n, err)
		}
		if in.Readable() {
			t.Fatal("Readable after every byte was read")
		}
		drain(signals)

		if _, err := out.Write([]byte("hello")); err != nil {
			t.Fatal(err)
		}
		<-signals
		if !in.Readable() {
			t.Fatal("not Readable after a signal for data")
		}
		if n, err := io.ReadFull(in, buf[:5]); n != 5 || err != nil {
			t.Fatalf("ReadFull: %d, %v", n, err)
		}
		drain(signals)

		out.Close()
		<-signals
		if !in.Readable() {
			t.Fatal("not Readable after the peer's FIN")
		}
		if _, err := in.Read(buf); err != io.EOF {
			t.Fatalf("Read after FIN: %v, want io.EOF", err)
		}

		// A second idle stream learns that the session ended.
		out2, err := opener.Open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out2.Write([]byte("y"))
		in2, err := acceptor.Accept(ctx)
		if err != nil {
			t.Fatal(err)
		}
		io.ReadFull(in2, buf[:1])
		ended := make(chan struct{}, 4)
		in2.Notify(func() {
			select {
			case ended <- struct{}{}:
			default:
			}
		})
		if in2.Readable() {
			t.Fatal("idle stream Readable")
		}
		opener.Close()
		<-ended
		if !in2.Readable() {
			t.Fatal("not Readable after the session ended")
		}
	})
}

func drain(ch chan struct{}) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}
