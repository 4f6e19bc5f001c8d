package bench

import (
	"context"
	"io"
	"net/http"

	"github.com/coder/websocket"

	"github.com/telechan/telechan/internal/test/linkemu"
)

// wsPair is a raw coder/websocket connection over loopback TCP shaped by p
// both ways. close closes both ends and the server, and waits.
type wsPair struct {
	client, server *websocket.Conn
	srv            *httpServer
	quit           chan struct{}
}

func dialWS(ctx context.Context, p linkemu.Profile) (*wsPair, error) {
	wp := &wsPair{quit: make(chan struct{})}
	accepted := make(chan *websocket.Conn, 1)
	srv, err := serveHTTP(p, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		accepted <- c
		<-wp.quit // the hijacked connection lives until close
	}))
	if err != nil {
		return nil, err
	}
	wp.srv = srv
	c, _, err := websocket.Dial(ctx, srv.url, &websocket.DialOptions{HTTPClient: httpClient(p)})
	if err != nil {
		close(wp.quit)
		srv.close()
		return nil, err
	}
	wp.client, wp.server = c, <-accepted
	wp.client.SetReadLimit(1 << 20)
	wp.server.SetReadLimit(1 << 20)
	return wp, nil
}

func (wp *wsPair) close() {
	wp.client.CloseNow()
	wp.server.CloseNow()
	close(wp.quit)
	wp.srv.close()
}

// wsBulk sends one binary WebSocket message of msgSize bytes per write and
// reads each message through its io.Reader into a 64 KiB buffer, as
// telechan's reader reads: what a hand-rolled WebSocket protocol would do.
// (io.CopyBuffer into io.Discard would ignore the buffer and read 8 KiB at
// a time, which made this peer slower than it is.)
func wsBulk(ctx context.Context, p linkemu.Profile, dir Dir) (pipe, error) {
	wp, err := dialWS(ctx, p)
	if err != nil {
		return pipe{}, err
	}
	w, r := wp.client, wp.server
	if dir == S2C {
		w, r = wp.server, wp.client
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	buf := make([]byte, msgSize)
	var mr io.Reader // the message being read, if any
	return pipe{
		write: func(p []byte) error { return w.Write(ctx, websocket.MessageBinary, p) },
		read: func() (int, error) {
			if mr == nil {
				_, next, err := r.Reader(ctx)
				if err != nil {
					return 0, err
				}
				mr = next
			}
			n, err := mr.Read(buf)
			if err == io.EOF {
				mr, err = nil, nil
			}
			return n, err
		},
		close: func() { cancel(); wp.close() },
	}, nil
}
