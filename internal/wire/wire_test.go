package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
)

func TestFrameRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, smallFrame, smallFrame + 1, 200 << 10} {
		var buf bytes.Buffer
		payload := bytes.Repeat([]byte{7}, n)
		if err := WriteFrame(&buf, Item, payload); err != nil {
			t.Fatal(err)
		}
		typ, l, err := ReadHeader(&buf)
		if err != nil || typ != Item || int(l) != n {
			t.Fatalf("header: %v %d %v", typ, l, err)
		}
		if !bytes.Equal(buf.Bytes(), payload) {
			t.Fatalf("payload of %d bytes differs", n)
		}
	}
}

func TestReadHeaderErrors(t *testing.T) {
	if _, _, err := ReadHeader(bytes.NewReader(nil)); err != io.EOF {
		t.Errorf("empty stream: %v, want io.EOF", err)
	}
	if _, _, err := ReadHeader(bytes.NewReader([]byte{1, 0})); err != io.ErrUnexpectedEOF {
		t.Errorf("cut header: %v, want io.ErrUnexpectedEOF", err)
	}
	if _, _, err := ReadHeader(bytes.NewReader([]byte{9, 0, 0, 0, 0})); !errors.Is(err, ErrFrame) {
		t.Errorf("unknown type: %v, want ErrFrame", err)
	}
}

func TestHelloRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	h := Hello{Codecs: []string{"cbor", "json"}, MaxItem: 1 << 24}
	if err := WriteHello(&buf, Version, h); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("TLCH\x01")) {
		t.Fatalf("hello starts %q", buf.Bytes()[:5])
	}
	v, body, err := ReadHello(&buf)
	if err != nil || v != Version {
		t.Fatalf("ReadHello: %v %v", v, err)
	}
	got, err := ParseHello(body)
	if err != nil || got.MaxItem != h.MaxItem || len(got.Codecs) != 2 {
		t.Fatalf("ParseHello: %+v %v", got, err)
	}
}

func TestHelloRejects(t *testing.T) {
	if _, _, err := ReadHello(bytes.NewReader([]byte("HTTP/1.1 200"))); !errors.Is(err, ErrNotTelechan) {
		t.Errorf("wrong magic: %v", err)
	}
	if _, _, err := ReadHello(bytes.NewReader([]byte("TLCH\x01\xff\xff"))); err == nil {
		t.Errorf("oversized body accepted")
	}
	if _, err := ParseHello([]byte(`{"codecs":[]}`)); err == nil {
		t.Errorf("hello without codecs accepted")
	}
	if _, err := ParseWelcome([]byte(`{}`)); err == nil {
		t.Errorf("welcome without codec accepted")
	}
}

func TestRefForms(t *testing.T) {
	r := Ref{Kind: "mpsc.Sender", Port: 7, Cap: 16}
	js, _ := json.Marshal(r)
	if string(js) != `{"rch":"mpsc.Sender","port":7,"cap":16}` {
		t.Fatalf("JSON form %s", js)
	}
	var back Ref
	if err := json.Unmarshal(js, &back); err != nil || back != r {
		t.Fatalf("JSON back: %+v %v", back, err)
	}
	cb, _ := r.MarshalCBOR()
	back = Ref{}
	if err := back.UnmarshalCBOR(cb); err != nil || back != r {
		t.Fatalf("CBOR back: %+v %v", back, err)
	}
	for _, bad := range []string{`{"rch":"","port":1}`, `{"rch":"x","port":0}`, `{"rch":"x","port":4294967296}`, `[]`} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestFindRefs(t *testing.T) {
	var v any
	json.Unmarshal([]byte(`{"a":[{"rch":"mpsc.Sender","port":3},{"x":{"rch":"oneshot.Receiver","port":9}}],"b":{"rch":1}}`), &v)
	refs := FindRefs(v)
	if len(refs) != 2 {
		t.Fatalf("found %v", refs)
	}
}
