package bench

import (
	"context"

	"github.com/telechan/telechan/internal/test/linkemu"
	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
	"github.com/telechan/telechan/rch/bin"
)

// Ends carries the reading end of a bin channel to the side that reads.
type Ends struct {
	R *bin.Reader `json:"r"`
}

// telechanBulk is a bin channel with default settings (bin.New) on a
// telechan connection over p: the writing side (the WebSocket client for
// C2S, the server for S2C) makes the channel and sends its Reader across
// on the base channel, then writes msgSize buffers.
func telechanBulk(ctx context.Context, p linkemu.Profile, dir Dir) (pipe, error) {
	return telechanBulkWith(ctx, p, dir, nil)
}

// telechanBulkWith is telechanBulk with mux options o (nil: defaults).
func telechanBulkWith(ctx context.Context, p linkemu.Profile, dir Dir, o *mux.Options) (pipe, error) {
	tp, err := dialTelechanWith(ctx, p, o, nil)
	if err != nil {
		return pipe{}, err
	}
	cb, sb, err := bases[Ends, Ends](ctx, tp)
	if err != nil {
		tp.close()
		return pipe{}, err
	}
	closeAll := func() { cb.Close(); sb.Close(); tp.close() }
	from, to := cb, sb
	if dir == S2C {
		from, to = sb, cb
	}
	r, w, err := sendReader(ctx, from, to)
	if err != nil {
		closeAll()
		return pipe{}, err
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	buf := make([]byte, msgSize)
	return pipe{
		write: func(p []byte) error { _, err := w.WriteContext(wctx, p); return err },
		read:  func() (int, error) { return r.Read(buf) },
		close: func() { cancel(); closeAll() },
	}, nil
}

// sendReader makes a bin channel, sends its Reader from one base to the
// other, and returns the Reader as received and the Writer kept.
func sendReader(ctx context.Context, from, to *rch.Base[Ends, Ends]) (*bin.Reader, *bin.Writer, error) {
	ctx, cancel := context.WithTimeout(ctx, setupTimeout)
	defer cancel()
	w, r := bin.New()
	if err := from.Send(ctx, Ends{R: r}); err != nil {
		return nil, nil, err
	}
	got, err := to.Recv(ctx)
	if err != nil {
		return nil, nil, err
	}
	return got.R, w, nil
}
