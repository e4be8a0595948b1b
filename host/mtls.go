package host

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"sync"
	"time"
)

// The host side of go-plugin's automatic mTLS, made cheaper: go-plugin
// generates a fresh P-521 client key for every plugin it starts, which is
// most of a plugin's start-up time. The host makes one P-256 key per run
// and shares it; each plugin still generates its own key (go-plugin's
// server side, unchanged) and sends its certificate back in the
// handshake, so the wire protocol is exactly AutoMTLS.
type clientCert struct {
	once sync.Once
	pem  []byte
	cert tls.Certificate
	err  error
}

func (c *clientCert) get() ([]byte, tls.Certificate, error) {
	c.once.Do(func() { c.pem, c.cert, c.err = generateClientCert() })
	return c.pem, c.cert, c.err
}

func generateClientCert() ([]byte, tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, tls.Certificate{}, err
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
		NotAfter:              now.Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return certPEM, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// tlsConfig is a fresh config per plugin: go-plugin adds that plugin's
// certificate to it as the only trusted root.
func (c *clientCert) tlsConfig() (*tls.Config, []byte, error) {
	certPEM, cert, err := c.get()
	if err != nil {
		return nil, nil, err
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
		ServerName:   "localhost",
	}, certPEM, nil
}
