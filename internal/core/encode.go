package core

import (
	"context"
	"fmt"
	"reflect"
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
// released, and the error wraps ErrDecode unless the connection failed.
func (c *Conn) decode(ctx context.Context, raw []byte, v any) error {
	rv := reflect.ValueOf(v)
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
