package core

import (
	"math/rand/v2"
	"testing"
)

type seqOrigin int

func (seqOrigin) itemFailed(uint64, error) {}

// TestSentRing checks that a Failed notice for any of the last
// sentRingSize items finds the item's origin, however items with and
// without an origin mix, and that a channel sending only locally keeps no
// ring at all (what an idle channel costs depends on it).
func TestSentRing(t *testing.T) {
	var local sentRing
	for range 1000 {
		local.wrote(nil, 0)
	}
	if local.buf != nil {
		t.Fatalf("local sends only: a ring of %d slots", len(local.buf))
	}
	if _, _, ok := local.lookup(999); ok {
		t.Fatal("local sends only: an origin found")
	}

	for _, every := range []int{1, 2, 7, 100, 300} {
		var r sentRing
		rng := rand.New(rand.NewPCG(1, uint64(every)))
		want := map[uint64]int{}
		for i := range 3000 {
			if rng.IntN(every) == 0 {
				r.wrote(seqOrigin(i), uint64(i))
				want[r.next] = i
			} else {
				r.wrote(nil, 0)
			}
			for seq := r.next; seq > 0 && r.next-seq < sentRingSize; seq-- {
				from, fromSeq, ok := r.lookup(seq)
				w, has := want[seq]
				if ok != has || ok && (from != seqOrigin(w) || fromSeq != uint64(w)) {
					t.Fatalf("1 in %d with an origin: item %d of %d: got %v %d %v, want %d %v", every, seq, r.next, from, fromSeq, ok, w, has)
				}
			}
		}
		if len(r.buf) > sentRingSize {
			t.Fatalf("1 in %d: ring of %d slots", every, len(r.buf))
		}
	}
}
