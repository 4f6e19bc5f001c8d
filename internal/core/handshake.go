package core

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/telechan/telechan/codec"
	"github.com/telechan/telechan/internal/wire"
	"github.com/telechan/telechan/mux"
)

// Connect runs the handshake on sess and returns the connection and the
// stream that carries the base channel. The client opens that stream and
// proposes; the server accepts it and picks. Connect takes sess over: on
// failure sess is closed.
func Connect(ctx context.Context, sess *mux.Session, cfg Config) (*Conn, *mux.Stream, error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		sess.Close()
		return nil, nil, err
	}
	var (
		c  *Conn
		st *mux.Stream
	)
	hctx, cancel := context.WithTimeoutCause(ctx, cfg.HandshakeTimeout, errHandshakeTimeout)
	defer cancel()
	if sess.IsClient() {
		c, st, err = connectClient(hctx, sess, cfg)
	} else {
		c, st, err = connectServer(hctx, sess, cfg)
	}
	if err != nil {
		sess.Close()
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		if context.Cause(hctx) == errHandshakeTimeout {
			return nil, nil, fmt.Errorf("%w: no answer within %v", ErrHandshake, cfg.HandshakeTimeout)
		}
		return nil, nil, err
	}
	c.start()
	return c, st, nil
}

// errHandshakeTimeout is the cause of a handshake cut short by
// Config.HandshakeTimeout.
var errHandshakeTimeout = errors.New("handshake timeout")

// withDeadline makes ctx's end interrupt I/O on st until the returned func
// is called. It acts only once ctx is done, so that a timed-out read always
// finds ctx.Err set.
func withDeadline(ctx context.Context, st *mux.Stream) func() {
	stop := context.AfterFunc(ctx, func() { st.SetDeadline(time.Unix(1, 0)) })
	return func() {
		stop()
		st.SetDeadline(time.Time{})
	}
}

func connectClient(ctx context.Context, sess *mux.Session, cfg Config) (*Conn, *mux.Stream, error) {
	st, err := sess.Open(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: open base stream: %w", ErrHandshake, err)
	}
	defer withDeadline(ctx, st)()
	hello := wire.Hello{MaxItem: uint32(cfg.MaxItemSize)}
	for _, cd := range cfg.Codecs {
		hello.Codecs = append(hello.Codecs, cd.Name())
	}
	if err := wire.WriteHello(st, wire.Version, hello); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrHandshake, err)
	}
	version, body, err := wire.ReadHello(st)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrHandshake, err)
	}
	w, err := wire.ParseWelcome(body)
	switch {
	case err != nil:
		return nil, nil, fmt.Errorf("%w: %w", ErrHandshake, err)
	case w.Error != "":
		return nil, nil, fmt.Errorf("%w: peer refused: %s", ErrHandshake, w.Error)
	case version != wire.Version:
		return nil, nil, fmt.Errorf("%w: peer speaks protocol version %d, this side %d", ErrHandshake, version, wire.Version)
	}
	cd := findCodec(cfg.Codecs, w.Codec)
	if cd == nil {
		return nil, nil, fmt.Errorf("%w: peer picked codec %q, which was not proposed", ErrHandshake, w.Codec)
	}
	return newConn(sess, cfg, cd, w.MaxItem), st, nil
}

func connectServer(ctx context.Context, sess *mux.Session, cfg Config) (*Conn, *mux.Stream, error) {
	st, err := sess.Accept(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: accept base stream: %w", ErrHandshake, err)
	}
	defer withDeadline(ctx, st)()
	version, body, err := wire.ReadHello(st)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrHandshake, err)
	}
	refuse := func(msg string) error {
		wire.WriteHello(st, wire.Version, wire.Welcome{Error: msg})
		st.Close()
		return fmt.Errorf("%w: %s", ErrHandshake, msg)
	}
	if version != wire.Version {
		return nil, nil, refuse(fmt.Sprintf("protocol version %d is not supported; the server speaks %d", version, wire.Version))
	}
	hello, err := wire.ParseHello(body)
	if err != nil {
		return nil, nil, refuse(err.Error())
	}
	cd := pickCodec(cfg.Codecs, hello.Codecs)
	if cd == nil {
		return nil, nil, refuse(fmt.Sprintf("no common codec: peer offers %q, this side accepts %q", hello.Codecs, names(cfg.Codecs)))
	}
	w := wire.Welcome{Codec: cd.Name(), MaxItem: uint32(cfg.MaxItemSize)}
	if err := wire.WriteHello(st, wire.Version, w); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrHandshake, err)
	}
	return newConn(sess, cfg, cd, hello.MaxItem), st, nil
}

// pickCodec returns the first codec the client proposes that the server
// accepts.
func pickCodec(accepted []codec.Codec, proposed []string) codec.Codec {
	for _, name := range proposed {
		if cd := findCodec(accepted, name); cd != nil {
			return cd
		}
	}
	return nil
}

func findCodec(cs []codec.Codec, name string) codec.Codec {
	i := slices.IndexFunc(cs, func(c codec.Codec) bool { return c.Name() == name })
	if i < 0 {
		return nil
	}
	return cs[i]
}

func names(cs []codec.Codec) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name()
	}
	return out
}
