package bench

import (
	"context"
	"net"

	"github.com/telechan/telechan/internal/test/linkemu"
)

// tcpConns returns the two ends of a loopback TCP connection shaped by p
// both ways.
func tcpConns(ctx context.Context, p linkemu.Profile) (client, server net.Conn, err error) {
	ln, err := listen(p)
	if err != nil {
		return nil, nil, err
	}
	defer ln.Close()
	type accepted struct {
		c   net.Conn
		err error
	}
	ch := make(chan accepted, 1)
	go func() {
		c, err := ln.Accept()
		ch <- accepted{c, err}
	}()
	client, err = dialer(p)(ctx, "tcp", ln.Addr().String())
	if err != nil {
		return nil, nil, err // closing ln ends the Accept
	}
	a := <-ch
	if a.err != nil {
		client.Close()
		return nil, nil, a.err
	}
	return client, a.c, nil
}

// tcpBulk is the floor under everything: plain writes of msgSize bytes on
// a TCP connection, read into a buffer of the same size.
func tcpBulk(ctx context.Context, p linkemu.Profile, dir Dir) (pipe, error) {
	c, s, err := tcpConns(ctx, p)
	if err != nil {
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
		close: func() { c.Close(); s.Close() },
	}, nil
}
