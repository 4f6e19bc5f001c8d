package bench

import (
	"context"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"

	"github.com/telechan/telechan/internal/test/linkemu"
)

// rawCodec lets gRPC carry []byte as they are, so no protobuf work is
// measured.
type rawCodec struct{}

var _ encoding.Codec = rawCodec{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *v.(*[]byte), nil }
func (rawCodec) Name() string                  { return "raw" }

func (rawCodec) Unmarshal(data []byte, v any) error {
	*v.(*[]byte) = append((*v.(*[]byte))[:0], data...)
	return nil
}

// The hand-registered service, no protoc: Call is unary (small calls and
// control pings), Up streams client→server, Down server→client.
const (
	grpcCall = "/bench.Peer/Call"
	grpcUp   = "/bench.Peer/Up"
	grpcDown = "/bench.Peer/Down"
)

var grpcService = grpc.ServiceDesc{
	ServiceName: "bench.Peer",
	HandlerType: (*any)(nil),
	Methods:     []grpc.MethodDesc{{MethodName: "Call", Handler: grpcCallHandler}},
	Streams: []grpc.StreamDesc{
		{StreamName: "Up", ClientStreams: true, Handler: grpcUpHandler},
		{StreamName: "Down", ServerStreams: true, Handler: grpcDownHandler},
	},
}

// grpcCallHandler answers with one byte: the length of the argument.
func grpcCallHandler(_ any, _ context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
	var in []byte
	if err := dec(&in); err != nil {
		return nil, err
	}
	out := []byte{byte(len(in))}
	return &out, nil
}

// grpcImpl is the registered service value: the Up handler reports the
// size of each message it reads on up, until done is closed.
type grpcImpl struct {
	up   chan int
	done chan struct{}
}

// grpcUpHandler drains the client's messages until the stream ends.
func grpcUpHandler(srv any, s grpc.ServerStream) error {
	impl := srv.(*grpcImpl)
	var buf []byte
	for {
		if err := s.RecvMsg(&buf); err != nil {
			return nil
		}
		select {
		case impl.up <- len(buf):
		case <-impl.done:
			return nil
		}
	}
}

// grpcDownHandler sends msgSize messages until the client goes away.
func grpcDownHandler(_ any, s grpc.ServerStream) error {
	buf := make([]byte, msgSize)
	for {
		if err := s.SendMsg(&buf); err != nil {
			return nil
		}
	}
}

// grpcPair is a gRPC server and a client connection over loopback TCP
// shaped by p both ways (HTTP/2, no TLS).
type grpcPair struct {
	impl   *grpcImpl
	srv    *grpc.Server
	conn   *grpc.ClientConn
	served chan struct{}
}

func dialGRPC(p linkemu.Profile) (*grpcPair, error) {
	ln, err := listen(p)
	if err != nil {
		return nil, err
	}
	gp := &grpcPair{
		impl:   &grpcImpl{up: make(chan int, 64), done: make(chan struct{})},
		srv:    grpc.NewServer(grpc.ForceServerCodec(rawCodec{})),
		served: make(chan struct{}),
	}
	gp.srv.RegisterService(&grpcService, gp.impl)
	go func() {
		defer close(gp.served)
		_ = gp.srv.Serve(ln)
	}()
	gp.conn, err = grpc.NewClient("passthrough:///"+ln.Addr().String(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			return dialer(p)(ctx, "tcp", addr)
		}),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})))
	if err != nil {
		gp.srv.Stop()
		<-gp.served
		return nil, err
	}
	return gp, nil
}

func (gp *grpcPair) close() {
	close(gp.impl.done)
	gp.conn.Close()
	gp.srv.Stop()
	<-gp.served
}

// call makes one unary call with arg.
func (gp *grpcPair) call(ctx context.Context, arg []byte) error {
	var out []byte
	return gp.conn.Invoke(ctx, grpcCall, &arg, &out)
}

// up reads what the Up handler reports: the size of the next message the
// server received.
func (gp *grpcPair) up() (int, error) {
	select {
	case n := <-gp.impl.up:
		return n, nil
	case <-gp.impl.done:
		return 0, errStopped
	}
}

// grpcBulk streams msgSize messages on one gRPC stream of a fresh pair.
func grpcBulk(ctx context.Context, p linkemu.Profile, dir Dir) (pipe, error) {
	gp, err := dialGRPC(p)
	if err != nil {
		return pipe{}, err
	}
	return gp.pipe(ctx, dir)
}

// pipe opens a bulk stream: Up for C2S (the client sends, the server
// handler drains), Down for S2C (the server handler sends, the client
// drains). Its close closes gp too; on error gp is closed.
func (gp *grpcPair) pipe(ctx context.Context, dir Dir) (pipe, error) {
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	closeAll := func() { cancel(); gp.close() }
	if dir == C2S {
		s, err := gp.conn.NewStream(sctx, &grpcService.Streams[0], grpcUp)
		if err != nil {
			closeAll()
			return pipe{}, err
		}
		return pipe{write: func(p []byte) error { return s.SendMsg(&p) }, read: gp.up, close: closeAll}, nil
	}
	s, err := gp.conn.NewStream(sctx, &grpcService.Streams[1], grpcDown)
	if err == nil {
		err = s.CloseSend()
	}
	if err != nil {
		closeAll()
		return pipe{}, err
	}
	var buf []byte
	return pipe{
		write: func([]byte) error { <-sctx.Done(); return sctx.Err() }, // the server writes
		read: func() (int, error) {
			err := s.RecvMsg(&buf)
			return len(buf), err
		},
		close: closeAll,
	}, nil
}

// grpcHOL is gRPC's head-of-line case: an Up stream saturates the link
// while unary calls on the same ClientConn (one HTTP/2 connection) are the
// control round trips.
func grpcHOL(ctx context.Context, p linkemu.Profile) (holSetup, error) {
	gp, err := dialGRPC(p)
	if err != nil {
		return holSetup{}, err
	}
	bulk, err := gp.pipe(ctx, C2S)
	if err != nil {
		return holSetup{}, err
	}
	ping := []byte{1}
	return holSetup{bulk: bulk, ping: func(ctx context.Context) error { return gp.call(ctx, ping) }}, nil
}

// grpcCaller is gRPC-go unary calls over loopback TCP shaped by p, on one
// ClientConn shared by every caller.
func grpcCaller(_ context.Context, p linkemu.Profile) (caller, error) {
	gp, err := dialGRPC(p)
	if err != nil {
		return caller{}, err
	}
	in := []byte(arg)
	return caller{call: func(ctx context.Context) error { return gp.call(ctx, in) }, close: gp.close}, nil
}
