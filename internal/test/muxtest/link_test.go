package muxtest_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/telechan/telechan/internal/test/linkemu"
	"github.com/telechan/telechan/internal/test/muxtest"
	"github.com/telechan/telechan/mux"
)

var linkPairs = []struct {
	name string
	pair func(testing.TB, linkemu.Profile, *mux.Options) (client, server *mux.Session)
}{
	{"websocket", muxtest.LinkPair},
	{"pipe", muxtest.LinkPipePair},
}

// TestLinkPairRoundTrip echoes bytes over a stream and checks a round trip
// takes at least twice the one-way delay.
func TestLinkPairRoundTrip(t *testing.T) {
	p := linkemu.FourG
	for _, lp := range linkPairs {
		t.Run(lp.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			client, server := lp.pair(t, p, nil)
			t.Logf("pair ready after %v", time.Since(start))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			go echo(ctx, t, server)

			st, err := client.Open(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			buf := make([]byte, 100)
			for i := range 3 {
				start := time.Now()
				if _, err := st.Write(buf); err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(st, buf); err != nil {
					t.Fatal(err)
				}
				rtt := time.Since(start)
				t.Logf("round trip %d: %v (2×Delay = %v)", i, rtt, 2*p.Delay)
				if rtt < 2*p.Delay || rtt > 2*p.Delay+100*time.Millisecond {
					t.Errorf("round trip %d took %v, want %v..%v", i, rtt, 2*p.Delay, 2*p.Delay+100*time.Millisecond)
				}
			}
		})
	}
}

// echo accepts one stream and echoes it.
func echo(ctx context.Context, t *testing.T, s *mux.Session) {
	st, err := s.Accept(ctx)
	if err != nil {
		t.Errorf("accept: %v", err)
		return
	}
	defer st.Close()
	_, _ = io.Copy(st, st)
}
