package mux_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/telechan/telechan/mux"
)

// A server that admits only clients holding a bearer token: the check runs
// before the WebSocket upgrade, and a client without the token gets an error
// matching ErrUnauthorized. Serve it with TLS (wss://) outside a trusted
// network, or the token crosses the wire in clear text.
func ExampleBearerToken() {
	h := mux.Handler(func(ctx context.Context, s *mux.Session) {
		<-ctx.Done() // a real server would Accept streams here
	}, &mux.Options{Authorize: mux.BearerToken("s3cret")})
	srv := httptest.NewServer(h)
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	ctx := context.Background()

	_, err := mux.Dial(ctx, url, nil)
	fmt.Println("without a token:", errors.Is(err, mux.ErrUnauthorized))

	s, err := mux.Dial(ctx, url, &mux.Options{
		HTTPHeader: http.Header{"Authorization": {"Bearer s3cret"}},
	})
	fmt.Println("with the token:", err)
	if err == nil {
		_ = s.Close()
	}
	// Output:
	// without a token: true
	// with the token: <nil>
}
