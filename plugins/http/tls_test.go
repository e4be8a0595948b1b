package http

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// tlsServer starts an HTTPS server with httptest's self-signed
// certificate; it counts connections and says who the client was.
func tlsServer(t *testing.T, clientCAs *x509.CertPool) (*httptest.Server, *atomic.Int32) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		client := ""
		if len(r.TLS.PeerCertificates) > 0 {
			client = r.TLS.PeerCertificates[0].Subject.CommonName
		}
		fmt.Fprintf(w, `{"client":%q}`, client)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
	if clientCAs != nil {
		srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientCAs}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, &conns
}

// writePEM writes blocks of type typ to a new file in dir.
func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTLSWithCACert(t *testing.T) {
	srv, conns := tlsServer(t, nil)
	ca := writePEM(t, t.TempDir(), "ca.pem", "CERTIFICATE", srv.Certificate().Raw)

	e := openTest(t, srv.URL+"/", "ca-cert", ca)
	docs, errs := collect(t, e.Read(context.Background()))
	if len(errs) != 0 || len(docs) != 1 {
		t.Fatalf("with ca-cert: docs %q errs %v", contents(docs), errs)
	}

	// Without it the self-signed certificate is refused, and not retried.
	before := conns.Load()
	e = openTest(t, srv.URL+"/", "max-attempts", "3")
	_, errs = collect(t, e.Read(context.Background()))
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "certificate") {
		t.Fatalf("without ca-cert: errors %v", errs)
	}
	if n := conns.Load() - before; n != 1 {
		t.Errorf("a certificate error was tried %d times", n)
	}
	if strings.Contains(e.logs.String(), "verification is off") {
		t.Error("warned about insecure without it")
	}

	bad := writePEM(t, t.TempDir(), "bad.pem", "NOT A CERTIFICATE", []byte("x"))
	if _, _, err := tryOpen(srv.URL, "ca-cert", bad); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("ca-cert without certificates: %v", err)
	}
}

func TestTLSInsecure(t *testing.T) {
	srv, _ := tlsServer(t, nil)
	e := openTest(t, srv.URL+"/", "insecure", "true")
	docs, errs := collect(t, e.Fetch(context.Background(), []string{srv.URL + "/a", srv.URL + "/b"}))
	if len(errs) != 0 || len(docs) != 2 {
		t.Fatalf("docs %q errs %v", contents(docs), errs)
	}
	if n := strings.Count(e.logs.String(), "[WARN]  TLS certificate verification is off"); n != 1 {
		t.Errorf("%d insecure warnings, want 1:\n%s", n, e.logs.String())
	}
}

// testCA makes a CA and a client certificate it signed, as PEM files.
func testCA(t *testing.T) (pool *x509.CertPool, certFile, keyFile string) {
	dir := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	pool = x509.NewCertPool()
	pool.AddCert(caCert)

	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "sync-client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	return pool, writePEM(t, dir, "client.pem", "CERTIFICATE", der), writePEM(t, dir, "client-key.pem", "EC PRIVATE KEY", keyDER)
}

func TestTLSClientCertificate(t *testing.T) {
	pool, cert, key := testCA(t)
	srv, _ := tlsServer(t, pool)
	ca := writePEM(t, t.TempDir(), "ca.pem", "CERTIFICATE", srv.Certificate().Raw)

	e := openTest(t, srv.URL+"/", "ca-cert", ca, "client-cert", cert, "client-key", key)
	docs, errs := collect(t, e.Read(context.Background()))
	if len(errs) != 0 || len(docs) != 1 || string(docs[0].Content) != `{"client":"sync-client"}` {
		t.Fatalf("docs %q errs %v", contents(docs), errs)
	}

	e = openTest(t, srv.URL+"/", "ca-cert", ca, "max-attempts", "1")
	if _, errs := collect(t, e.Read(context.Background())); len(errs) != 1 {
		t.Errorf("without a client certificate: errors %v", errs)
	}
	if _, _, err := tryOpen(srv.URL, "client-cert", cert, "client-key", cert); err == nil || !strings.Contains(err.Error(), "client-cert") {
		t.Errorf("mismatched key: %v", err)
	}
}
