package mux

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"slices"
	"sync"
	"testing"
	"time"
)

func encodeHeader(typ uint8, flags uint16, id, length uint32) []byte {
	b := make([]byte, headerSize)
	b[1] = typ
	binary.BigEndian.PutUint16(b[2:4], flags)
	binary.BigEndian.PutUint32(b[4:8], id)
	binary.BigEndian.PutUint32(b[8:12], length)
	return b
}

// events records what a frameScanner reports.
type events struct{ log []string }

func (e *events) start(h header) { e.log = append(e.log, "start", string('0'+rune(h.typ))) }
func (e *events) end(h header)   { e.log = append(e.log, "end", string('0'+rune(h.typ))) }

func TestFrameScannerAnyPieces(t *testing.T) {
	var stream []byte
	stream = append(stream, encodeHeader(typeWindowUpdate, flagSYN, 1, 1000)...)
	stream = append(stream, encodeHeader(typeData, 0, 1, 5)...)
	stream = append(stream, "hello"...)
	stream = append(stream, encodeHeader(typePing, flagSYN, 0, 7)...)
	stream = append(stream, encodeHeader(typeData, flagFIN, 1, 0)...)
	want := []string{"start", "1", "end", "1", "start", "0", "end", "0", "start", "2", "end", "2", "start", "0", "end", "0"}
	for _, piece := range []int{1, 3, 12, 13, len(stream)} {
		var sc frameScanner
		var ev events
		for p := stream; len(p) > 0; p = p[min(piece, len(p)):] {
			sc.scan(p[:min(piece, len(p))], &ev)
		}
		if !slices.Equal(ev.log, want) {
			t.Errorf("pieces of %d: %v, want %v", piece, ev.log, want)
		}
	}
}

func TestDataHeaderAlone(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    []byte
		want bool
	}{
		{"data with body", encodeHeader(typeData, 0, 1, 10), true},
		{"data without body", encodeHeader(typeData, flagFIN, 1, 0), false},
		{"window update", encodeHeader(typeWindowUpdate, 0, 1, 10), false},
		{"ping", encodeHeader(typePing, flagSYN, 0, 10), false},
		{"go away", encodeHeader(typeGoAway, 0, 0, 0), false},
		{"header and body", append(encodeHeader(typeData, 0, 1, 1), 'x'), false},
		{"other version", append([]byte{1}, encodeHeader(typeData, 0, 1, 10)[1:]...), false},
	} {
		if _, got := dataHeaderAlone(tc.p); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

// recordConn records every Write, that is every WebSocket message when it
// wraps a websocket.NetConn. With gate set, each Write first waits for a
// value from it.
type recordConn struct {
	net.Conn
	entered, gate chan struct{} // with gate set, Write says it entered, then waits
	mu            sync.Mutex
	writes        [][]byte
}

func (c *recordConn) Write(p []byte) (int, error) {
	if c.gate != nil {
		c.entered <- struct{}{}
		<-c.gate
	}
	c.mu.Lock()
	c.writes = append(c.writes, bytes.Clone(p))
	c.mu.Unlock()
	if c.Conn == nil {
		return len(p), nil
	}
	return c.Conn.Write(p)
}

func (c *recordConn) messages() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.writes)
}

// idle waits until c's flusher has written everything whole.
func (c *msgConn) idle() {
	c.mu.Lock()
	for c.flushing {
		c.room.Wait()
	}
	c.mu.Unlock()
}

// TestMsgConnCoalesces: a data frame's header and body (even in pieces)
// never leave apart, what yamux writes leaves in order, and frames written
// while a message is on its way leave together in the next.
func TestMsgConnCoalesces(t *testing.T) {
	rec := &recordConn{entered: make(chan struct{}), gate: make(chan struct{})}
	c := &msgConn{Conn: rec}
	c.room.L = &c.mu
	c.lastWrite = time.Now().Add(time.Hour) // busy: every frame goes through the flusher
	dataHdr := encodeHeader(typeData, 0, 1, 5)
	writes := [][]byte{
		encodeHeader(typeWindowUpdate, flagSYN, 1, 0),
		dataHdr, []byte("hello"),
		dataHdr, []byte("hel"), []byte("lo"), // body in pieces
		encodeHeader(typeData, flagFIN, 1, 0), // empty data
		encodeHeader(typePing, flagSYN, 0, 1),
		append(slices.Clone(dataHdr), "whole"...), // already whole
	}
	var all []byte
	for i, p := range writes {
		if n, err := c.Write(p); n != len(p) || err != nil {
			t.Fatalf("Write(%d bytes) = %d, %v", len(p), n, err)
		}
		all = append(all, p...)
		if i == 0 {
			<-rec.entered // the first frame is on its way, alone
		}
	}
	// Everything written meanwhile leaves as one message.
	rec.gate <- struct{}{}
	<-rec.entered
	rec.gate <- struct{}{}
	c.idle()
	msgs := rec.messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2 (the first frame, then the rest together)", len(msgs))
	}
	if got := bytes.Join(msgs, nil); !bytes.Equal(got, all) {
		t.Fatalf("messages carry %q, want %q", got, all)
	}
	checkWholeFrames(t, msgs, 64)
}

// TestMsgConnIdleWritesAtOnce: on an idle connection a whole frame is
// written by the caller itself, before Write returns, with no flusher.
func TestMsgConnIdleWritesAtOnce(t *testing.T) {
	rec := &recordConn{}
	c := &msgConn{Conn: rec}
	c.room.L = &c.mu
	frame := append(encodeHeader(typeData, 0, 1, 5), "hello"...)
	if _, err := c.Write(frame[:headerSize]); err != nil {
		t.Fatal(err)
	}
	if len(rec.messages()) != 0 {
		t.Fatal("a lone header was written")
	}
	if _, err := c.Write(frame[headerSize:]); err != nil {
		t.Fatal(err)
	}
	if msgs := rec.messages(); len(msgs) != 1 || !bytes.Equal(msgs[0], frame) {
		t.Fatalf("messages %q right after Write, want the frame", msgs)
	}
}

// checkWholeFrames fails unless every message is one or more whole frames,
// and returns how many frames there were.
func checkWholeFrames(t *testing.T, msgs [][]byte, maxBody int) (frames int) {
	t.Helper()
	for i, m := range msgs {
		for len(m) > 0 {
			if len(m) < headerSize {
				t.Fatalf("message %d: %d bytes left, shorter than a header", i, len(m))
			}
			h := parseHeader(m)
			n := headerSize + int(h.bodyLen())
			if len(m) < n {
				t.Fatalf("message %d: %d bytes left, frame %+v needs %d", i, len(m), h, n)
			}
			if int(h.bodyLen()) > maxBody {
				t.Fatalf("message %d: data frame of %d bytes > FrameSize %d", i, h.bodyLen(), maxBody)
			}
			m = m[n:]
			frames++
		}
	}
	return frames
}

// TestWebSocketMessageIsFrame runs traffic through the real WebSocket stack
// and checks that each WebSocket message carries whole yamux frames (one
// or several, never a piece), with data frames no larger than FrameSize.
func TestWebSocketMessageIsFrame(t *testing.T) {
	var mu sync.Mutex
	var recs []*recordConn
	o := mustOptions(t, &Options{
		FrameSize:         4 << 10,
		KeepAliveInterval: time.Millisecond, // pings in the mix
		msgHook: func(c net.Conn) net.Conn {
			mu.Lock()
			defer mu.Unlock()
			r := &recordConn{Conn: c}
			recs = append(recs, r)
			return r
		},
	})
	c, s := pipe(o, nil)
	defer c.Close()
	defer s.Close()
	echo(t, s)
	for _, size := range []int{1, 100, 4 << 10, 100 << 10} {
		msg := bytes.Repeat([]byte{'x'}, size)
		if got := roundTrip(t, c, msg); !bytes.Equal(got, msg) {
			t.Fatalf("echo of %d bytes: got %d bytes", size, len(got))
		}
	}
	_ = c.Close()
	_ = s.Close()
	if len(recs) != 2 {
		t.Fatalf("%d connections recorded, want 2", len(recs))
	}
	for _, r := range recs {
		if n := checkWholeFrames(t, r.messages(), o.FrameSize); n == 0 {
			t.Error("no message recorded")
		}
	}
}

// frameRecorder is a net.Conn that records the frames written to it.
type frameRecorder struct {
	net.Conn
	mu     sync.Mutex
	sc     frameScanner
	frames []header
}

func (c *frameRecorder) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.mu.Lock()
	c.sc.scan(p[:n], c)
	c.mu.Unlock()
	return n, err
}

func (c *frameRecorder) start(header) {}
func (c *frameRecorder) end(h header) { c.frames = append(c.frames, h) }
func (c *frameRecorder) list() []header {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.frames)
}

// TestWriteChunks: a 1 MiB Write goes out as data frames of at most
// FrameSize, over a plain connection.
func TestWriteChunks(t *testing.T) {
	const frameSize, total = 2 << 10, 1 << 20
	a, b := net.Pipe()
	rec := &frameRecorder{Conn: a}
	c, err := Client(rec, &Options{FrameSize: frameSize})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := Server(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	echo(t, s)
	msg := bytes.Repeat([]byte{'y'}, total)
	if got := roundTrip(t, c, msg); !bytes.Equal(got, msg) {
		t.Fatalf("got %d bytes back", len(got))
	}
	var sum, frames int
	for _, h := range rec.list() {
		if h.typ != typeData || h.length == 0 {
			continue
		}
		if h.length > frameSize {
			t.Fatalf("data frame of %d bytes > FrameSize %d", h.length, frameSize)
		}
		sum += int(h.length)
		frames++
	}
	if sum != total || frames < total/frameSize {
		t.Fatalf("%d bytes in %d frames, want %d in at least %d", sum, frames, total, total/frameSize)
	}
}

// TestTrackerForgetsStreams: once both sides closed a stream, the tracker
// has dropped it, so it never outgrows yamux's own table.
func TestTrackerForgetsStreams(t *testing.T) {
	c, s := Pipe(nil)
	defer c.Close()
	defer s.Close()
	done := echo(t, s)
	for range 10 {
		roundTrip(t, c, []byte("x"))
	}
	_ = s.Close()
	<-done // every echo goroutine has closed its side
	for _, sess := range []*Session{c, s} {
		sess.track.mu.Lock()
		n := len(sess.track.streams)
		sess.track.mu.Unlock()
		if n != 0 {
			t.Errorf("client %v: tracker holds %d streams", sess.IsClient(), n)
		}
	}
}

// echo accepts streams on s and echoes them until s ends. The returned
// channel is closed once every stream has been echoed and closed.
func echo(t *testing.T, s *Session) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		var wg sync.WaitGroup
		defer wg.Wait()
		for {
			st, err := s.Accept(context.Background())
			if err != nil {
				return
			}
			wg.Go(func() {
				if _, err := io.Copy(st, st); err == nil {
					_ = st.Close()
				}
			})
		}
	}()
	t.Cleanup(func() {
		_ = s.Close()
		<-done
	})
	return done
}

// roundTrip sends msg on a new stream of s and returns the echo.
func roundTrip(t *testing.T, s *Session, msg []byte) []byte {
	t.Helper()
	st, err := s.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := st.Write(msg)
		if cerr := st.Close(); err == nil {
			err = cerr
		}
		errc <- err
	}()
	got, err := io.ReadAll(st)
	if werr := <-errc; err == nil {
		err = werr
	}
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func mustOptions(t *testing.T, o *Options) *Options {
	t.Helper()
	c, err := o.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	return c
}
