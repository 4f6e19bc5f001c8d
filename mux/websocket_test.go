package mux_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/telechan/telechan/internal/test/muxtest"
	"github.com/telechan/telechan/mux"
)

// wsServer runs h on an httptest server and returns its ws:// URL and
// client. The server is closed at the end of the test, after the sessions.
func wsServer(t *testing.T, h http.Handler) (url string, client *http.Client) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http"), srv.Client()
}

// holdServe is a Handler serve function that keeps each session until it
// ends, and reports each session's ctx end on ended.
type holdServe struct {
	wg    sync.WaitGroup
	ended chan error
}

func newHoldServe(t *testing.T) *holdServe {
	h := &holdServe{ended: make(chan error, 16)}
	t.Cleanup(h.wg.Wait) // runs after the sessions are closed
	return h
}

func (h *holdServe) serve(ctx context.Context, s *mux.Session) {
	h.wg.Add(1)
	defer h.wg.Done()
	// Echo the streams until the session ends.
	go func() {
		for {
			st, err := s.Accept(ctx)
			if err != nil {
				return
			}
			go func() {
				_, _ = io.Copy(st, st)
				_ = st.Close()
			}()
		}
	}()
	<-ctx.Done()
	h.ended <- s.Err()
}

func TestOriginCheck(t *testing.T) {
	evil := http.Header{"Origin": {"https://evil.example"}}
	for _, tc := range []struct {
		name   string
		server *mux.Options
		ok     bool
	}{
		{"default rejects", nil, false},
		{"pattern allows", &mux.Options{OriginPatterns: []string{"evil.example"}}, true},
		{"other pattern rejects", &mux.Options{OriginPatterns: []string{"good.example"}}, false},
		{"skip verify allows", &mux.Options{InsecureSkipVerify: true}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHoldServe(t)
			url, client := wsServer(t, mux.Handler(hs.serve, tc.server))
			s, err := mux.Dial(testCtx(t), url, &mux.Options{HTTPClient: client, HTTPHeader: evil})
			if !tc.ok {
				if err == nil || !strings.Contains(err.Error(), "403") {
					_ = closeIfNotNil(s)
					t.Fatalf("cross-origin dial: err = %v, want a 403 rejection", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("allowed dial failed: %v", err)
			}
			defer s.Close()
			if got, err := roundTrip(testCtx(t), s, []byte("hi")); err != nil || string(got) != "hi" {
				t.Fatalf("roundTrip = %q, %v", got, err)
			}
		})
	}
}

func closeIfNotNil(s *mux.Session) error {
	if s == nil {
		return nil
	}
	return s.Close()
}

// TestHandlerInServeMux: the handler serves many sessions at once next to
// other routes, and each serve ctx ends with its session.
func TestHandlerInServeMux(t *testing.T) {
	hs := newHoldServe(t)
	routes := http.NewServeMux()
	routes.Handle("/mux", mux.Handler(hs.serve, nil))
	routes.HandleFunc("/hello", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "hello") })
	url, client := wsServer(t, routes)

	var sessions []*mux.Session
	for range 3 {
		s, err := mux.Dial(testCtx(t), url+"/mux", &mux.Options{HTTPClient: client})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		sessions = append(sessions, s)
	}
	resp, err := client.Get("http" + strings.TrimPrefix(url, "ws") + "/hello")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if string(body) != "hello" {
		t.Fatalf("GET /hello = %q while sessions are open", body)
	}
	for _, s := range sessions {
		if got, err := roundTrip(testCtx(t), s, []byte("ping")); err != nil || string(got) != "ping" {
			t.Fatalf("roundTrip = %q, %v", got, err)
		}
	}
	_ = sessions[0].Close()
	if err := <-hs.ended; !errors.Is(err, mux.ErrLost) {
		t.Fatalf("server session after client Close: Err = %v, want ErrLost", err)
	}
	if got, err := roundTrip(testCtx(t), sessions[1], []byte("still")); err != nil || string(got) != "still" {
		t.Fatalf("other session after one closed: %q, %v", got, err)
	}
}

func TestAcceptRejects(t *testing.T) {
	t.Run("invalid options", func(t *testing.T) {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if _, err := mux.Accept(w, r, &mux.Options{FrameSize: 1}); err == nil {
			t.Fatal("Accept with invalid options succeeded")
		}
		if w.Code != http.StatusInternalServerError {
			t.Errorf("status %d, want 500", w.Code)
		}
	})
	t.Run("not a websocket request", func(t *testing.T) {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if _, err := mux.Accept(w, r, nil); err == nil {
			t.Fatal("Accept of a plain GET succeeded")
		}
		if w.Code != http.StatusUpgradeRequired {
			t.Errorf("status %d, want 426", w.Code)
		}
	})
}

func TestHandlerPanicsOnMisuse(t *testing.T) {
	for name, f := range map[string]func(){
		"nil serve":   func() { mux.Handler(nil, nil) },
		"bad options": func() { mux.Handler(func(context.Context, *mux.Session) {}, &mux.Options{AcceptBacklog: -1}) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(r.(string), "mux: ") {
					t.Errorf("%s: recover() = %v, want a mux: panic", name, r)
				}
			}()
			f()
		}()
	}
}

func TestDialAddr(t *testing.T) {
	c, _ := muxtest.WebSocketPair(t, nil)
	if c.RemoteAddr().Network() != "websocket" || !strings.HasPrefix(c.RemoteAddr().String(), "ws://127.0.0.1:") {
		t.Errorf("dialled session RemoteAddr = %v %v", c.RemoteAddr().Network(), c.RemoteAddr())
	}
}

// TestTextMessageEndsSession: a peer that sends a text message where the
// wire carries binary ones is told so (close status 1003) and its session
// ends at once, with an error; the server's serve function returns.
func TestTextMessageEndsSession(t *testing.T) {
	ended := make(chan error, 1)
	url, client := wsServer(t, mux.Handler(func(ctx context.Context, s *mux.Session) {
		<-s.Done()
		ended <- s.Err()
	}, nil))
	ctx := testCtx(t)
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: client})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	read := make(chan error, 1)
	go func() { // reading, the peer answers the close handshake
		_, _, err := ws.Read(ctx)
		read <- err
	}()
	start := time.Now()
	if err := ws.Write(ctx, websocket.MessageText, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if err := <-ended; err == nil {
		t.Fatal("the session ended without an error")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the session took %v to end", d)
	}
	if err := <-read; websocket.CloseStatus(err) != websocket.StatusUnsupportedData {
		t.Fatalf("the peer read %v, want close status 1003", err)
	}
}
