package wire_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"testing"
	"time"

	"github.com/resource-sync/resource-sync/internal/wire"
)

func TestNewIdentity(t *testing.T) {
	id, err := wire.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	key, ok := id.Cert.PrivateKey.(*ecdsa.PrivateKey)
	if !ok || key.Curve != elliptic.P256() {
		t.Fatalf("the key is a %T, want a P-256 ECDSA key", id.Cert.PrivateKey)
	}
	// What the pipe carries is what the plugin loads.
	pair, err := tls.X509KeyPair(id.PEM, id.PEM)
	if err != nil {
		t.Fatal(err)
	}
	if string(pair.Certificate[0]) != string(id.Cert.Leaf.Raw) {
		t.Error("the PEM holds another certificate")
	}
	// Each side trusts the other's certificate alone, as a root.
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(id.CertPEM()) {
		t.Fatal("CertPEM does not parse")
	}
	for _, usage := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
		_, err := id.Cert.Leaf.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: roots, KeyUsages: []x509.ExtKeyUsage{usage},
			CurrentTime: time.Now().AddDate(1, 0, 0)}) // a watch may run for months
		if err != nil {
			t.Errorf("usage %v: %v", usage, err)
		}
	}
}
