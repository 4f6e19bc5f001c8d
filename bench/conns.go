package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/telechan/telechan/bench/internal/echo"
	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
)

// connsConc is how many callers the many-connections figure runs at once.
const connsConc = 64

// connsSteps measure what a call costs when the calls of connsConc callers
// are spread over many connections to one server (a fleet's robots, each
// on its own connection, each called now and then) against the same
// callers on one connection: the CPU of both ends per call, from the
// process's rusage over the window.
func connsSteps() []measurement {
	var ms []measurement
	for _, many := range []bool{false, true} {
		name, fig := "x1", "conns.one"
		if many {
			name, fig = "many", "conns.many"
		}
		ms = append(ms, measurement{name: "conns/telechan/" + name, group: "conns", repeat: true,
			run: func(ctx context.Context, cfg Config) ([]Result, error) {
				n := 1
				if many {
					n = cfg.BusyConns
				}
				c, err := telechanCallers(ctx, n)
				if err != nil {
					return nil, err
				}
				rate, cpu, err := measureRateCPU(ctx, cfg, c, connsConc)
				return []Result{
					{fig + ".rate", rate, unitRate, nil},
					{fig + ".cpu.us", cpu, unitUs, nil},
				}, err
			}})
	}
	return ms
}

// telechanCallers dials n telechan connections to one server, which
// serves echo.Impl on each (with the generated ServeEcho) and sends its
// client across; the caller's calls take the connections in turn.
func telechanCallers(ctx context.Context, n int) (caller, error) {
	ctx, cancel := context.WithTimeout(ctx, setupTimeout+time.Duration(n)*10*time.Millisecond)
	defer cancel()
	var handlers sync.WaitGroup
	srv, err := serveHTTP(lan, mux.Handler(func(ctx context.Context, s *mux.Session) {
		handlers.Add(1)
		defer handlers.Done()
		b, err := rch.Connect[Welcome, struct{}](ctx, s, rchOptions)
		if err != nil {
			return
		}
		defer b.Close()
		served := echo.ServeEcho(echo.Impl{}, nil)
		defer served.Close()
		if err := b.Send(ctx, Welcome{Echo: served}); err != nil {
			return
		}
		<-ctx.Done()
	}, nil))
	if err != nil {
		return caller{}, err
	}
	type conn struct {
		base *rch.Base[struct{}, Welcome]
		echo *echo.EchoClient
	}
	conns := make([]conn, 0, n)
	closeAll := func() {
		for _, c := range conns {
			c.echo.Close()
			c.base.Close()
		}
		srv.close()
		handlers.Wait()
	}
	for range n {
		s, err := mux.Dial(ctx, srv.url, &mux.Options{HTTPClient: httpClientOn(lan, nil)})
		if err != nil {
			closeAll()
			return caller{}, err
		}
		b, err := rch.Connect[struct{}, Welcome](ctx, s, rchOptions)
		if err != nil {
			s.Close()
			closeAll()
			return caller{}, err
		}
		w, err := b.Recv(ctx)
		if err == nil && w.Echo == nil {
			err = errors.New("bench: no echo client in the welcome")
		}
		if err != nil {
			b.Close()
			closeAll()
			return caller{}, err
		}
		conns = append(conns, conn{b, w.Echo})
	}
	var next atomic.Uint64
	return caller{
		call: func(ctx context.Context) error {
			c := conns[next.Add(1)%uint64(len(conns))]
			_, err := c.echo.Len(ctx, arg)
			return err
		},
		close: closeAll,
	}, nil
}

// measureRateCPU is measureRate that also returns the CPU time (user and
// system, of the whole process: both ends of the calls) per call during
// the window, in microseconds.
func measureRateCPU(ctx context.Context, cfg Config, c caller, conc int) (rate, cpuUs float64, err error) {
	var cpu0, cpu1 time.Duration
	var n0, n1 int64
	rate, err = measureRateHooked(ctx, cfg, c, conc, func(done int64) {
		cpu0, n0 = processCPU(), done
	}, func(done int64) {
		cpu1, n1 = processCPU(), done
	})
	if err != nil {
		return 0, 0, err
	}
	if n1 <= n0 {
		return 0, 0, fmt.Errorf("bench: no call completed in the window")
	}
	return rate, float64((cpu1 - cpu0).Microseconds()) / float64(n1-n0), nil
}

// processCPU returns the CPU time the process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
