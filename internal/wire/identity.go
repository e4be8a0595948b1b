package wire

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"time"
)

// EnvTLSFD names the file descriptor on which a host hands a plugin the
// key and certificate to serve with (PEM, read to EOF), alongside
// EnvClientCert, its own certificate. go-plugin's
// automatic mTLS makes each plugin generate a P-521 key, which costs more
// CPU than anything else in a plugin's start; a key the host issues is
// P-256. It comes through an inherited pipe, never the environment, so
// no other process sees it. A plugin that does not know the variable
// still generates its own key and sends its certificate back as before,
// and the host trusts that one instead.
const EnvTLSFD = "RESOURCE_SYNC_PLUGIN_TLS_FD"

// EnvClientCert is where go-plugin's automatic mTLS hands a plugin the
// host's certificate (PEM), the only one the plugin accepts from a
// client. go-plugin reads it by this name and exports no constant.
const EnvClientCert = "PLUGIN_CLIENT_CERT"

// Identity is a key and its self-signed certificate (Cert.Leaf), for one
// side of the mTLS between a host and a plugin.
type Identity struct {
	Cert tls.Certificate
	// PEM holds the certificate, then the key.
	PEM []byte
}

// CertPEM is the certificate alone, for the other side to trust.
func (id *Identity) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: id.Cert.Leaf.Raw})
}

// NewIdentity makes a P-256 key and a self-signed certificate for
// "localhost", usable by a client and a server alike, as go-plugin's
// automatic mTLS certificates are. The key lives only in the memory of
// the processes that use it; the certificate is good for ten years so
// that a long watch never outlives it.
func NewIdentity() (*Identity, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "localhost", Organization: []string{"resource-sync"}},
		DNSNames:              []string{"localhost"},
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageKeyAgreement | x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		NotBefore:             now.Add(-30 * time.Second),
		NotAfter:              now.AddDate(10, 0, 0),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	out = append(out, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})...)
	return &Identity{Cert: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, PEM: out}, nil
}
