package bench

import (
	"context"
	"fmt"
	"net"
	"net/rpc"
	"runtime"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"

	"github.com/telechan/telechan/codec"
	"github.com/telechan/telechan/internal/test/muxtest"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rfn"
)

// arg is the ~100-byte argument of every call.
var arg = strings.Repeat("x", 100)

// concurrencies are the numbers of callers at once.
var concurrencies = []int{1, 64}

// run calls call b.N times from conc goroutines and reports calls/s.
func run(b *testing.B, conc int, call func() error) {
	b.ReportAllocs()
	b.ResetTimer()
	if conc == 1 {
		for range b.N {
			if err := call(); err != nil {
				b.Fatal(err)
			}
		}
	} else {
		b.SetParallelism((conc + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := call(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

type offer struct {
	Fn *rfn.Func[string, int] `json:"fn"`
}

// BenchmarkRPC compares small calls: a telechan remote function over a
// loopback WebSocket (CBOR), gRPC-go unary over loopback TCP (with a bytes
// codec, so no protobuf), and net/rpc over loopback TCP (gob).
func BenchmarkRPC(b *testing.B) {
	for _, conc := range concurrencies {
		b.Run(fmt.Sprintf("telechan/c%d", conc), func(b *testing.B) { benchTelechan(b, conc) })
		b.Run(fmt.Sprintf("grpc/c%d", conc), func(b *testing.B) { benchGRPC(b, conc) })
		b.Run(fmt.Sprintf("netrpc/c%d", conc), func(b *testing.B) { benchNetRPC(b, conc) })
	}
}

func benchTelechan(b *testing.B, conc int) {
	ctx := context.Background()
	cs, ss := muxtest.WebSocketPair(b, nil)
	opts := &rch.Options{Codecs: []codec.Codec{codec.CBOR}}
	srv := make(chan *rch.Base[struct{}, offer], 1)
	go func() {
		base, _ := rch.Connect[struct{}, offer](ctx, ss, opts)
		srv <- base
	}()
	client, err := rch.Connect[offer, struct{}](ctx, cs, opts)
	server := <-srv
	if err != nil || server == nil {
		b.Fatal(err)
	}
	defer client.Close()
	defer server.Close()
	fn := rfn.New(func(_ context.Context, s string) (int, error) { return len(s), nil }, nil)
	client.Send(ctx, offer{Fn: fn})
	o, err := server.Recv(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer o.Fn.Close()
	run(b, conc, func() error {
		_, err := o.Fn.Call(ctx, arg)
		return err
	})
}

// rawCodec lets gRPC carry []byte as they are.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *v.(*[]byte), nil }
func (rawCodec) Unmarshal(data []byte, v any) error {
	*v.(*[]byte) = append([]byte(nil), data...)
	return nil
}
func (rawCodec) Name() string { return "raw" }

var _ encoding.Codec = rawCodec{}

func benchGRPC(b *testing.B, conc int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s := grpc.NewServer(grpc.ForceServerCodec(rawCodec{}))
	s.RegisterService(&grpc.ServiceDesc{
		ServiceName: "bench.Len",
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{
			MethodName: "Call",
			Handler: func(_ any, _ context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
				var in []byte
				if err := dec(&in); err != nil {
					return nil, err
				}
				out := []byte{byte(len(in))}
				return &out, nil
			},
		}},
	}, struct{}{})
	go s.Serve(ln)
	defer s.Stop()
	conn, err := grpc.NewClient(ln.Addr().String(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	ctx := context.Background()
	in := []byte(arg)
	run(b, conc, func() error {
		var out []byte
		return conn.Invoke(ctx, "/bench.Len/Call", &in, &out)
	})
}

// Len is the net/rpc service.
type Len struct{}

// Call returns the length of s.
func (Len) Call(s string, n *int) error { *n = len(s); return nil }

func benchNetRPC(b *testing.B, conc int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	srv := rpc.NewServer()
	if err := srv.Register(Len{}); err != nil {
		b.Fatal(err)
	}
	go func() { // srv.Accept would log its end to stderr
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go srv.ServeConn(conn)
		}
	}()
	c, err := rpc.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	run(b, conc, func() error {
		var n int
		return c.Call("Len.Call", arg, &n)
	})
}
