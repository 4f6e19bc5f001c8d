package mux_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
)

// TestDialTLS: a wss:// URL dials through TLS to a Handler served with a
// certificate (the test server's own), and streams work end to end.
func TestDialTLS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv := httptest.NewTLSServer(mux.Handler(func(ctx context.Context, s *mux.Session) {
		st, err := s.Accept(ctx)
		if err != nil {
			return
		}
		io.Copy(st, st)
		st.Close()
		<-ctx.Done()
	}, nil))
	defer srv.Close()
	url := "wss" + strings.TrimPrefix(srv.URL, "https")
	sess, err := mux.Dial(ctx, url, &mux.Options{HTTPClient: srv.Client()})
	if err != nil {
		t.Fatalf("Dial %s: %v", url, err)
	}
	defer sess.Close()
	st, err := sess.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.Write([]byte("over tls"))
	st.Close()
	b, err := io.ReadAll(st)
	if err != nil || string(b) != "over tls" {
		t.Fatalf("echo over wss: %q, %v", b, err)
	}
	sess.Close()
}

// testCert makes a self-signed certificate for 127.0.0.1 and localhost,
// valid for an hour, and returns the server's TLS config and a pool that
// trusts it.
func testCert(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "telechan test"},
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}},
		MinVersion:   tls.VersionTLS12,
	}, pool
}

// wssServer serves h over TLS with a certificate of its own and returns the
// wss:// URL and a client that trusts the certificate (and nothing else).
func wssServer(t *testing.T, h http.Handler) (url string, client *http.Client) {
	t.Helper()
	cfg, pool := testCert(t)
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = cfg
	srv.StartTLS()
	t.Cleanup(srv.Close)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	t.Cleanup(tr.CloseIdleConnections)
	return "wss" + strings.TrimPrefix(srv.URL, "https"), &http.Client{Transport: tr}
}

// TestWSSRemoteChannels: rch.Connect end to end over wss:// with a
// certificate the test made, behind a bearer token; a client that does not
// trust the certificate, or dials ws:// to the TLS port, gets no session.
func TestWSSRemoteChannels(t *testing.T) {
	ctx := testCtx(t)
	hs := newHoldServe(t)
	url, client := wssServer(t, mux.Handler(func(ctx context.Context, s *mux.Session) {
		hs.wg.Add(1)
		defer hs.wg.Done()
		base, err := rch.Connect[string, string](ctx, s, nil)
		if err != nil {
			return
		}
		defer base.Close()
		for v, err := range base.All(ctx) {
			if err != nil || base.Send(ctx, strings.ToUpper(v)) != nil {
				return
			}
		}
	}, &mux.Options{Authorize: mux.BearerToken("s3cret")}))

	sess, err := mux.Dial(ctx, url, &mux.Options{HTTPClient: client, HTTPHeader: bearerHeader("s3cret")})
	if err != nil {
		t.Fatalf("Dial %s: %v", url, err)
	}
	base, err := rch.Connect[string, string](ctx, sess, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer base.Close()
	for _, v := range []string{"stop", "status"} {
		if err := base.Send(ctx, v); err != nil {
			t.Fatal(err)
		}
		if got, err := base.Recv(ctx); err != nil || got != strings.ToUpper(v) {
			t.Fatalf("Recv = %q, %v; want %q", got, err, strings.ToUpper(v))
		}
	}

	// Not trusted: the system roots do not know the test's certificate.
	_, err = mux.Dial(ctx, url, &mux.Options{HTTPHeader: bearerHeader("s3cret")})
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("dial trusting the system roots only: %v, want x509.UnknownAuthorityError", err)
	}
	// Trusted but without the token: refused after TLS, before the upgrade.
	if _, err := mux.Dial(ctx, url, &mux.Options{HTTPClient: client}); !errors.Is(err, mux.ErrUnauthorized) {
		t.Errorf("dial over TLS without the token: %v, want ErrUnauthorized", err)
	}
	// Plain ws:// to the TLS port: no session.
	if s, err := mux.Dial(ctx, "ws"+strings.TrimPrefix(url, "wss"), &mux.Options{HTTPClient: client}); err == nil {
		s.Close()
		t.Error("ws:// to a TLS server made a session")
	}
}
