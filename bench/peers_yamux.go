package bench

import (
	"context"
	"io"
	"net"

	"github.com/coder/websocket"
	"github.com/hashicorp/yamux"

	"github.com/telechan/telechan/internal/test/linkemu"
)

// yamuxPair is yamux over a raw WebSocket, put together by hand the way a
// user without telechan would: websocket.NetConn under yamux.Client and
// yamux.Server, default yamux settings (256 KiB window), keepalive off.
type yamuxPair struct {
	ws             *wsPair
	client, server *yamux.Session
	cancel         context.CancelFunc
}

func dialYamux(ctx context.Context, p linkemu.Profile) (*yamuxPair, error) {
	ws, err := dialWS(ctx, p)
	if err != nil {
		return nil, err
	}
	// NetConn's context must outlive the call: cancelling it tears the
	// WebSocket down.
	life, cancel := context.WithCancel(context.WithoutCancel(ctx))
	yp := &yamuxPair{ws: ws, cancel: cancel}
	cfg := yamux.DefaultConfig()
	cfg.EnableKeepAlive = false
	cfg.LogOutput = io.Discard
	yp.client, err = yamux.Client(websocket.NetConn(life, ws.client, websocket.MessageBinary), cfg)
	if err == nil {
		yp.server, err = yamux.Server(websocket.NetConn(life, ws.server, websocket.MessageBinary), cfg)
	}
	if err != nil {
		yp.close()
		return nil, err
	}
	return yp, nil
}

func (yp *yamuxPair) close() {
	if yp.client != nil {
		yp.client.Close()
	}
	if yp.server != nil {
		yp.server.Close()
	}
	yp.cancel()
	yp.ws.close()
}

// streams opens a stream from the client and accepts it on the server.
func (yp *yamuxPair) streams() (client, server net.Conn, err error) {
	type accepted struct {
		s   net.Conn
		err error
	}
	ch := make(chan accepted, 1)
	go func() {
		s, err := yp.server.Accept()
		ch <- accepted{s, err}
	}()
	client, err = yp.client.Open()
	if err != nil {
		yp.server.Close() // ends the Accept
		<-ch
		return nil, nil, err
	}
	if _, err := client.Write([]byte{0}); err != nil { // yamux announces a stream with its first write
		return nil, nil, err
	}
	a := <-ch
	if a.err != nil {
		return nil, nil, a.err
	}
	_, err = io.ReadFull(a.s, make([]byte, 1))
	return client, a.s, err
}

// yamuxBulk writes msgSize buffers on one yamux stream.
func yamuxBulk(ctx context.Context, p linkemu.Profile, dir Dir) (pipe, error) {
	yp, err := dialYamux(ctx, p)
	if err != nil {
		return pipe{}, err
	}
	c, s, err := yp.streams()
	if err != nil {
		yp.close()
		return pipe{}, err
	}
	w, r := c, s
	if dir == S2C {
		w, r = s, c
	}
	buf := make([]byte, msgSize)
	return pipe{
		write: func(p []byte) error { _, err := w.Write(p); return err },
		read:  func() (int, error) { return r.Read(buf) },
		close: yp.close,
	}, nil
}

// yamuxHOL is the head-of-line case of yamux by hand: one stream saturates
// the link, a second stream carries one-byte pings that the server echoes.
func yamuxHOL(ctx context.Context, p linkemu.Profile) (holSetup, error) {
	yp, err := dialYamux(ctx, p)
	if err != nil {
		return holSetup{}, err
	}
	bc, bs, err := yp.streams()
	var pc, ps net.Conn
	if err == nil {
		pc, ps, err = yp.streams()
	}
	if err != nil {
		yp.close()
		return holSetup{}, err
	}
	echoed := make(chan struct{})
	go func() { // the server echoes pings until its stream ends
		defer close(echoed)
		_, _ = io.Copy(ps, ps)
	}()
	buf, one := make([]byte, msgSize), make([]byte, 1)
	return holSetup{
		bulk: pipe{
			write: func(p []byte) error { _, err := bc.Write(p); return err },
			read:  func() (int, error) { return bs.Read(buf) },
			close: func() { yp.close(); <-echoed },
		},
		ping: func(ctx context.Context) error {
			if dl, ok := ctx.Deadline(); ok {
				_ = pc.SetDeadline(dl)
			}
			if _, err := pc.Write(one); err != nil {
				return err
			}
			_, err := io.ReadFull(pc, one)
			return err
		},
	}, nil
}
