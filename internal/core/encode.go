package core

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/telechan/telechan/internal/wire"
)

// batch is the halves offered while one message was encoded. Once the
// message is on its way, commit moves them; if it never will be, abort
// gives them back to their users.
type batch struct {
	c     *Conn
	ports []*Port
}

func (b *batch) commit() {
	if b == nil {
		return
	}
	for _, p := range b.ports {
		p.commit(b.c)
	}
}

func (b *batch) abort() {
	if b == nil {
		return
	}
	for _, p := range b.ports {
		p.abort()
	}
}

// encode encodes v for sending on c: it offers a port for every half in
// v, marshals v and checks the size. On error nothing has changed.
func (c *Conn) encode(v any) ([]byte, *batch, error) {
	var b *batch
	rv := reflect.ValueOf(v)
	if rv.IsValid() && mayHold(rv.Type()) {
		b = &batch{c: c}
		err := walk(rv, func(p *Port) error {
			if err := p.prepare(c); err != nil {
				return err
			}
			b.ports = append(b.ports, p)
			return nil
		})
		if err != nil {
			b.abort()
			return nil, nil, err
		}
	}
	raw, err := c.codec.Marshal(v)
	if err != nil {
		b.abort()
		return nil, nil, err
	}
	if len(raw) > c.sendMax {
		b.abort()
		return nil, nil, fmt.Errorf("%w: %d bytes encoded, limit %d", ErrTooLarge, len(raw), c.sendMax)
	}
	return raw, b, nil
}

// decode decodes raw, an item read from c, into v, a pointer, and brings
// the halves inside it to life. On error every half in the item is
// released, and the error wraps ErrDecode (or ErrTooLarge, for an item
// that would cost too much to decode) unless the connection failed.
//
// An item whose type may hold halves or interfaces is scanned first
// (wire.Scan, no allocation): one that holds more than MaxRefs halves, or
// that decoding into interfaces would make cost more than the budget's
// inbound half, is refused without being decoded.
func (c *Conn) decode(ctx context.Context, raw []byte, v any) error {
	rv := reflect.ValueOf(v)
	if mayHold(rv.Type()) {
		if err := c.precheck(raw, rv.Type()); err != nil {
			return err
		}
	}
	if err := c.codec.Unmarshal(raw, v); err != nil {
		c.rejectRaw(raw, "message could not be decoded")
		return fmt.Errorf("%w: %w", ErrDecode, err)
	}
	if !mayHold(rv.Type()) {
		return nil
	}
	var ports []*Port
	err := walk(rv, func(p *Port) error {
		if _, ok := p.received(); ok {
			ports = append(ports, p)
		}
		return nil
	})
	if err != nil {
		c.rejectRaw(raw, err.Error())
		return fmt.Errorf("%w: %w", ErrDecode, err)
	}
	for i, p := range ports {
		ref, _ := p.received()
		st, err := c.claim(ctx, ref.Port)
		if err == nil {
			err = p.attach(c, st)
		}
		if err != nil {
			c.release(ports[:i], ports[i+1:], ref.Port)
			return err
		}
	}
	return nil
}

// cancel withdraws the offers of committed halves whose message will never
// be sent: each half ends as if dropped.
func (b *batch) cancel(why error) {
	if b == nil {
		return
	}
	for _, p := range b.ports {
		b.c.withdraw(p.ref.Port, fmt.Errorf("%w: the message holding it was not sent: %w", ErrDropped, why))
	}
}

// Cost of decoding into interfaces, per element of the item, as measured
// for both codecs (CBOR: 72 bytes for an empty map, 392 for a map of one
// pair; JSON: about 100 for a scalar, 430 for a map of one pair), rounded
// up.
const (
	anyCostPerContainer = 512
	anyCostPerScalar    = 128
)

// precheck refuses an item that holds more halves than MaxRefs, or whose
// decoding into t (which reaches interfaces) would cost more than the
// budget's inbound half. A refused item's halves are rejected.
func (c *Conn) precheck(raw []byte, t reflect.Type) error {
	s, err := c.scan(raw)
	if err != nil {
		return nil // malformed: the codec says why
	}
	if s.NumRefs > c.cfg.MaxRefs {
		c.reject(s.Refs, "message holds too many channel halves")
		return fmt.Errorf("%w: the item holds %d channel halves, limit %d", ErrDecode, s.NumRefs, c.cfg.MaxRefs)
	}
	if !reachesInterface(t) {
		return nil
	}
	cost := int64(len(raw)) + anyCostPerContainer*int64(s.Containers) + anyCostPerScalar*int64(s.Scalars)
	if cost > c.mem.half {
		c.reject(s.Refs, "message too costly to decode")
		return fmt.Errorf("%w: decoding the item (%d bytes, %d containers, %d scalars) would take about %d bytes, more than half of MaxMemory",
			ErrTooLarge, len(raw), s.Containers, s.Scalars, cost)
	}
	return nil
}

// scan scans raw, an item in c's codec, for its size and its halves. A
// codec other than the built-in two is scanned as neither: no halves are
// found and the item is never refused for its cost.
func (c *Conn) scan(raw []byte) (wire.Scan, error) {
	switch c.codec.Name() {
	case "cbor":
		return wire.ScanCBOR(raw, c.cfg.MaxRefs)
	case "json":
		return wire.ScanJSON(raw, c.cfg.MaxRefs)
	}
	return wire.Scan{}, errUnscannable
}

// errUnscannable: the codec is not one the scanners read.
var errUnscannable = errors.New("rch: codec cannot be scanned")
