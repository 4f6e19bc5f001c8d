package mux_test

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/telechan/telechan/mux"
)

// FuzzSessionInput is a peer that sends arbitrary bytes as its side of a
// session, then hangs up. Whatever it sends, the session must not panic,
// must end with ErrLost once the peer is gone, and Close must return with
// every goroutine gone (the package's leak check).
func FuzzSessionInput(f *testing.F) {
	hdr := func(typ, flags byte, id, length uint32) []byte {
		return []byte{0, typ, 0, flags, byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id),
			byte(length >> 24), byte(length >> 16), byte(length >> 8), byte(length)}
	}
	f.Add(append(hdr(1, 1, 1, 0), append(hdr(0, 0, 1, 4), "TLCH"...)...))
	f.Add(hdr(0, 1, 1, 0xffffffff))      // a 4 GiB data frame
	f.Add(hdr(1, 1, 1, 0xffffffff))      // a 4 GiB window
	f.Add(hdr(2, 1, 0, 7))               // a ping
	f.Add(hdr(3, 0, 0, 2))               // go away
	f.Add(append(hdr(1, 1, 2, 0), 9, 9)) // a stream id of the wrong parity
	f.Add([]byte{1, 0, 0, 0})            // another version
	f.Fuzz(func(t *testing.T, b []byte) {
		ours, peer := net.Pipe()
		s, err := mux.Server(ours, &mux.Options{KeepAliveInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); io.Copy(io.Discard, peer) }()
		go func() { defer wg.Done(); acceptAll(s) }()
		peer.SetWriteDeadline(time.Now().Add(5 * time.Second))
		peer.Write(b)
		peer.Close()
		select {
		case <-s.Done():
		case <-time.After(10 * time.Second):
			t.Fatalf("the session outlived its peer")
		}
		if err := s.Err(); !errors.Is(err, mux.ErrLost) {
			t.Fatalf("Err = %v, want ErrLost", err)
		}
		s.Close()
		wg.Wait()
	})
}

// acceptAll accepts and drains streams until the session ends.
func acceptAll(s *mux.Session) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		st, err := s.Accept(context.Background())
		if err != nil {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			io.Copy(io.Discard, st)
			st.Close()
		}()
	}
}
