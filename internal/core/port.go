package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/telechan/telechan/internal/wire"
	"github.com/telechan/telechan/mux"
)

// Binder is the part of a channel half that the connection drives when the
// half travels. Channel kinds implement it on unexported types.
type Binder interface {
	// Kind is the kind name written on the wire, e.g. "mpsc.Sender".
	Kind() string
	// Cap is the buffer capacity announced with the half, or zero.
	Cap() uint32
	// Check reports why the half cannot be sent now, or nil.
	Check() error
	// Commit makes the half a moved one: from now on the returned Link
	// owns what the half held.
	Commit(c *Conn) Link
	// Attach brings a half decoded from a message to life over st, the
	// stream that claimed its port on c.
	Attach(c *Conn, st *mux.Stream, ref wire.Ref) error
	// Close closes the half, as its user would.
	Close() error
}

type portState uint8

const (
	portLocal    portState = iota // a live half
	portOffered                   // inside a message being encoded
	portMoved                     // sent away
	portReceived                  // decoded, waiting to be attached
)

// Port is embedded in every channel half that can travel inside messages.
// It holds the half's wire reference while the half is being sent or has
// just been received, and lets the walk find the half.
type Port struct {
	pmu   sync.Mutex
	state portState
	ref   wire.Ref
	b     Binder
}

// Handle marks a channel half for the walk. Kinds embed it, through an
// unexported alias, next to the half's core, and point it at the core's
// Port; it has no exported methods, so it adds nothing to the kind's API.
type Handle struct{ p *Port }

// HandleOf returns the Handle of the half whose Port is p.
func HandleOf(p *Port) Handle { return Handle{p} }

func (h Handle) corePort() *Port { return h.p }

// MarshalJSON writes the half's reference while a connection sends it; at
// any other time it fails. Kinds get it by embedding Handle.
func (h Handle) MarshalJSON() ([]byte, error) {
	if h.p == nil {
		return nil, errZero
	}
	return h.p.MarshalJSON()
}

// MarshalCBOR writes the half's reference while a connection sends it; at
// any other time it fails. Kinds get it by embedding Handle.
func (h Handle) MarshalCBOR() ([]byte, error) {
	if h.p == nil {
		return nil, errZero
	}
	return h.p.MarshalCBOR()
}

// holder is implemented by every type that embeds Handle.
type holder interface{ corePort() *Port }

// Init sets the binder of a new half.
func (p *Port) Init(b Binder) {
	p.pmu.Lock()
	p.b = b
	p.pmu.Unlock()
}

// errOutside reports a half marshalled by something other than a
// connection, e.g. a plain json.Marshal.
var errOutside = errors.New("rch: a channel half can only be encoded by sending it over a connection")

// prepare readies p to be written into a message on c.
func (p *Port) prepare(c *Conn) error {
	p.pmu.Lock()
	defer p.pmu.Unlock()
	switch {
	case p.b == nil:
		return errors.New("rch: zero channel half (create halves with their kind's New)")
	case p.state == portMoved:
		return ErrMoved
	case p.state == portOffered:
		return fmt.Errorf("%w: the half is already inside a message being sent", ErrMoved)
	case p.state == portReceived:
		return errors.New("rch: half received but not attached")
	}
	if err := p.b.Check(); err != nil {
		return err
	}
	p.state = portOffered
	p.ref = wire.Ref{Kind: p.b.Kind(), Port: c.reservePort(), Cap: p.b.Cap()}
	if s, ok := p.b.(interface{ Size() int64 }); ok {
		p.ref.Size = s.Size()
	}
	return nil
}

// abort returns an offered p to its local state.
func (p *Port) abort() {
	p.pmu.Lock()
	if p.state == portOffered {
		p.state, p.ref = portLocal, wire.Ref{}
	}
	p.pmu.Unlock()
}

// commit hands p over to c: the half is moved and the peer may claim it.
func (p *Port) commit(c *Conn) {
	p.pmu.Lock()
	port, b := p.ref.Port, p.b
	p.state = portMoved
	p.pmu.Unlock()
	c.offer(port, b.Commit(c))
}

// Moved reports whether the half was sent away.
func (p *Port) Moved() bool {
	p.pmu.Lock()
	defer p.pmu.Unlock()
	return p.state == portMoved
}

// Ref returns the reference to write for an offered half.
func (p *Port) Ref() (wire.Ref, error) {
	p.pmu.Lock()
	defer p.pmu.Unlock()
	if p.state != portOffered {
		return wire.Ref{}, errOutside
	}
	return p.ref, nil
}

// SetRef records the reference read from a message into a new half whose
// binder is b.
func (p *Port) SetRef(r wire.Ref, b Binder) error {
	if r.Kind != b.Kind() {
		return fmt.Errorf("%w: message holds a %s where a %s was expected", wire.ErrRef, r.Kind, b.Kind())
	}
	p.pmu.Lock()
	defer p.pmu.Unlock()
	if p.b != nil {
		return errors.New("rch: cannot decode into a channel half that is in use")
	}
	p.b, p.ref, p.state = b, r, portReceived
	return nil
}

// attach brings a received half to life over st.
func (p *Port) attach(c *Conn, st *mux.Stream) error {
	p.pmu.Lock()
	ref, b := p.ref, p.b
	p.state = portLocal
	p.pmu.Unlock()
	return b.Attach(c, st, ref)
}

// received returns the reference of a half waiting to be attached.
func (p *Port) received() (wire.Ref, bool) {
	p.pmu.Lock()
	defer p.pmu.Unlock()
	return p.ref, p.state == portReceived
}

// MarshalJSON is the JSON form of an offered half.
func (p *Port) MarshalJSON() ([]byte, error) {
	r, err := p.Ref()
	if err != nil {
		return nil, err
	}
	return r.MarshalJSON()
}

// MarshalCBOR is the CBOR form of an offered half.
func (p *Port) MarshalCBOR() ([]byte, error) {
	r, err := p.Ref()
	if err != nil {
		return nil, err
	}
	return r.MarshalCBOR()
}

// DecodeJSON reads a half's JSON form into p, whose binder is b.
func (p *Port) DecodeJSON(data []byte, b Binder) error {
	var r wire.Ref
	if err := json.Unmarshal(data, &r); err != nil {
		return err
	}
	return p.SetRef(r, b)
}

// DecodeCBOR reads a half's CBOR form into p, whose binder is b.
func (p *Port) DecodeCBOR(data []byte, b Binder) error {
	var r wire.Ref
	if err := r.UnmarshalCBOR(data); err != nil {
		return err
	}
	return p.SetRef(r, b)
}
