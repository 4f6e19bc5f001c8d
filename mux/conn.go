package mux

import (
	"context"
	"net"
)

// Client runs the client side of a session over conn, any reliable ordered
// connection: TCP, TLS, a unix socket. The peer runs [Server] over the other
// end. The session owns conn from then on and closes it when it ends.
//
// Client starts the session and returns; it does not exchange anything with
// the peer. If opts is invalid it returns an error and leaves conn alone.
func Client(conn net.Conn, opts *Options) (*Session, error) {
	return overConn(conn, true, opts)
}

// Server runs the server side of a session over conn; see [Client].
func Server(conn net.Conn, opts *Options) (*Session, error) {
	return overConn(conn, false, opts)
}

func overConn(conn net.Conn, client bool, opts *Options) (*Session, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return newSession(ctx, cancel, conn, nil, client, o)
}
