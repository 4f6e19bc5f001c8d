package bench

import (
	"context"
	"time"

	"github.com/telechan/telechan/bench/internal/echo"
	"github.com/telechan/telechan/internal/test/linkemu"
	"github.com/telechan/telechan/mux"
)

// Welcome carries the served Echo's client from the server to the caller.
type Welcome struct {
	Echo *echo.EchoClient `json:"echo"`
}

// telechanCaller is rtc: the server serves echo.Impl with the generated
// ServeEcho (default rfn options: 64 calls at once) and sends the client
// across the base channel; every caller shares that one client, as
// callers of an interface would.
func telechanCaller(ctx context.Context, p linkemu.Profile) (caller, error) {
	return telechanCallerWith(ctx, p, nil)
}

// telechanCallerWith is telechanCaller with mux options o (nil: defaults).
func telechanCallerWith(ctx context.Context, p linkemu.Profile, o *mux.Options) (caller, error) {
	tp, err := dialTelechanWith(ctx, p, o, nil)
	if err != nil {
		return caller{}, err
	}
	cb, sb, err := bases[struct{}, Welcome](ctx, tp)
	if err != nil {
		tp.close()
		return caller{}, err
	}
	served := echo.ServeEcho(echo.Impl{}, nil)
	done := served.Done()
	closeAll := func() {
		cb.Close()
		sb.Close()
		tp.close()
		served.Close()
		select { // serving ends once the connection is gone
		case <-done:
		case <-time.After(setupTimeout):
		}
	}
	sctx, cancel := context.WithTimeout(ctx, setupTimeout)
	defer cancel()
	err = sb.Send(sctx, Welcome{Echo: served})
	var w Welcome
	if err == nil {
		w, err = cb.Recv(sctx)
	}
	if err != nil {
		closeAll()
		return caller{}, err
	}
	return caller{
		call: func(ctx context.Context) error {
			_, err := w.Echo.Len(ctx, arg)
			return err
		},
		close: func() { w.Echo.Close(); closeAll() },
	}, nil
}
