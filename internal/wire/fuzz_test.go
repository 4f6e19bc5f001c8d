package wire

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzReadHello feeds arbitrary first bytes of a connection to the
// handshake parser: it must never panic, and a body it accepts is bounded.
func FuzzReadHello(f *testing.F) {
	var buf bytes.Buffer
	WriteHello(&buf, Version, Hello{Codecs: []string{"cbor"}, MaxItem: 1})
	f.Add(buf.Bytes())
	f.Add([]byte("TLCH\x01\x00\x02{}"))
	f.Add([]byte("TLCH\x02\xff\xff"))
	f.Add([]byte("GET / HTTP/1.1\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, body, err := ReadHello(bytes.NewReader(b))
		if err != nil {
			return
		}
		if len(body) > MaxHelloBody {
			t.Fatalf("body of %d bytes accepted", len(body))
		}
		ParseHello(body)
		ParseWelcome(body)
	})
}

// FuzzFrames reads frames from arbitrary bytes as a channel stream would.
func FuzzFrames(f *testing.F) {
	var buf bytes.Buffer
	WriteFrame(&buf, Item, []byte("hello"))
	WriteFrame(&buf, Error, ErrorPayload(CodeDropped, "gone"))
	WriteFrame(&buf, End, nil)
	f.Add(buf.Bytes())
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{4, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		for {
			typ, n, err := ReadHeader(r)
			if err != nil {
				return
			}
			if !typ.Valid() {
				t.Fatalf("invalid type %v accepted", typ)
			}
			if int64(n) > int64(r.Len()) {
				return
			}
			p := make([]byte, n)
			r.Read(p)
			if typ == Error {
				ParseError(p)
			}
		}
	})
}

// FuzzRef decodes references under both forms and looks for them in
// decoded values.
func FuzzRef(f *testing.F) {
	f.Add([]byte(`{"rch":"mpsc.Sender","port":7,"cap":16}`))
	cb, _ := Ref{Kind: "oneshot.Receiver", Port: 1}.MarshalCBOR()
	f.Add(cb)
	f.Add([]byte{0xbf, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		var r Ref
		if json.Unmarshal(b, &r) == nil && r.Check() != nil {
			t.Fatalf("JSON accepted an invalid ref %+v", r)
		}
		r = Ref{}
		if r.UnmarshalCBOR(b) == nil && r.Check() != nil {
			t.Fatalf("CBOR accepted an invalid ref %+v", r)
		}
		var v any
		if json.Unmarshal(b, &v) == nil {
			for _, r := range FindRefs(v) {
				if r.Check() != nil {
					t.Fatalf("FindRefs returned an invalid ref %+v", r)
				}
			}
		}
	})
}
