package mux

import (
	"net"
	"testing"
)

// writeCounter counts the writes made to it and what they carried.
type writeCounter struct {
	net.Conn
	writes, bytes int
}

func (w *writeCounter) Write(p []byte) (int, error) {
	w.writes++
	w.bytes += len(p)
	return len(p), nil
}

// TestCorkHoldsNoBufferIdle: what a corked round writes leaves in one
// write, and the gathering buffer goes back to the pool after it, so that
// a connection that sent a large message once does not keep its buffer
// while idle.
func TestCorkHoldsNoBufferIdle(t *testing.T) {
	w := &writeCounter{}
	c := &corkConn{Conn: w}
	c.cork()
	for range 10 {
		c.Write(make([]byte, 30<<10))
	}
	if err := c.uncork(); err != nil {
		t.Fatal(err)
	}
	if w.writes != 1 || w.bytes != 300<<10 {
		t.Fatalf("%d writes of %d bytes in all, want 1 of %d", w.writes, w.bytes, 300<<10)
	}
	if c.buf != nil {
		t.Fatalf("an uncorked connection keeps a buffer of %d bytes", cap(*c.buf))
	}
	c.Write([]byte("x")) // not corked: straight through
	if w.writes != 2 || c.buf != nil {
		t.Fatalf("a write outside a round was gathered (%d writes)", w.writes)
	}
}
