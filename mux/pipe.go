package mux

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
)

// Pipe returns two sessions connected in memory, for tests and examples.
//
// The connection is a net.Pipe, but everything above it is the real stack:
// client is made by Dial and server by Accept, the WebSocket handshake runs
// over an in-memory HTTP round trip, and frames travel as WebSocket messages
// exactly as over the network. Close both sessions when done.
//
// Pipe panics if opts is invalid. Options.HTTPClient is ignored.
func Pipe(opts *Options) (client, server *Session) {
	return pipe(opts.mustDefaults("Pipe"), nil)
}

// pipe builds the two sessions of Pipe. wrap, if not nil, wraps each end of
// the net.Pipe (tests cut the connection with it).
func pipe(o *Options, wrap func(net.Conn) net.Conn) (client, server *Session) {
	var serverErr error
	t := &pipeTransport{wrap: wrap, serve: func(w http.ResponseWriter, r *http.Request) {
		server, serverErr = accept(w, r, o)
	}}
	co := *o
	co.HTTPClient = &http.Client{Transport: t}
	client, err := dial(context.Background(), "ws://pipe/", &co)
	if err == nil && serverErr != nil {
		_ = client.Close()
		err = serverErr
	}
	if err != nil {
		panic(fmt.Sprintf("mux: Pipe: %v", err)) // cannot happen: all in memory
	}
	return client, server
}

// pipeTransport answers an HTTP request by running serve in place, with a
// ResponseWriter whose Hijack hands over one end of a net.Pipe; the other
// end becomes the response body, which is what websocket.Dial upgrades.
type pipeTransport struct {
	serve func(http.ResponseWriter, *http.Request)
	wrap  func(net.Conn) net.Conn
}

func (t *pipeTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var clientEnd, serverEnd net.Conn = net.Pipe()
	if t.wrap != nil {
		clientEnd, serverEnd = t.wrap(clientEnd), t.wrap(serverEnd)
	}
	w := &hijackWriter{header: make(http.Header), conn: serverEnd}
	t.serve(w, r)
	resp := &http.Response{
		Status:     fmt.Sprintf("%d %s", w.status(), http.StatusText(w.status())),
		StatusCode: w.status(),
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     w.header,
		Request:    r,
	}
	if w.hijacked {
		resp.Body = clientEnd
		return resp, nil
	}
	_ = clientEnd.Close()
	_ = serverEnd.Close()
	resp.Body = io.NopCloser(&w.body)
	return resp, nil
}

// hijackWriter is the server side's http.ResponseWriter in a pipeTransport.
type hijackWriter struct {
	header   http.Header
	code     int
	body     bytes.Buffer
	conn     net.Conn
	hijacked bool
}

var _ http.Hijacker = (*hijackWriter)(nil)

func (w *hijackWriter) Header() http.Header { return w.header }

func (w *hijackWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *hijackWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}

func (w *hijackWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

func (w *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.hijacked = true
	rw := bufio.NewReadWriter(bufio.NewReader(w.conn), bufio.NewWriter(w.conn))
	return w.conn, rw, nil
}
