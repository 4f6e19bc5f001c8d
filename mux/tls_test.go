package mux_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/telechan/telechan/mux"
)

// TestDialTLS: a wss:// URL dials through TLS to a Handler served with a
// certificate (the test server's own), and streams work end to end.
func TestDialTLS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv := httptest.NewTLSServer(mux.Handler(func(ctx context.Context, s *mux.Session) {
		st, err := s.Accept(ctx)
		if err != nil {
			return
		}
		io.Copy(st, st)
		st.Close()
		<-ctx.Done()
	}, nil))
	defer srv.Close()
	url := "wss" + strings.TrimPrefix(srv.URL, "https")
	sess, err := mux.Dial(ctx, url, &mux.Options{HTTPClient: srv.Client()})
	if err != nil {
		t.Fatalf("Dial %s: %v", url, err)
	}
	defer sess.Close()
	st, err := sess.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.Write([]byte("over tls"))
	st.Close()
	b, err := io.ReadAll(st)
	if err != nil || string(b) != "over tls" {
		t.Fatalf("echo over wss: %q, %v", b, err)
	}
	sess.Close()
}
