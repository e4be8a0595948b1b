package http

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// tlsConfig builds the client TLS settings from the ca-cert, client-cert,
// client-key and insecure options. Files are read here, in Open, so a bad
// path fails before any request.
func tlsConfig(c *config) (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.caCert != "" {
		pem, err := os.ReadFile(c.caCert)
		if err != nil {
			return nil, fmt.Errorf("option ca-cert: %w", err)
		}
		// The system roots stay trusted: ca-cert adds a private CA, it
		// does not replace the public ones.
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("option ca-cert: no PEM certificate in %s", c.caCert)
		}
		conf.RootCAs = pool
	}
	if c.clientCert != "" {
		cert, err := tls.LoadX509KeyPair(c.clientCert, c.clientKey)
		if err != nil {
			return nil, fmt.Errorf("options client-cert, client-key: %w", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	conf.InsecureSkipVerify = c.insecure
	return conf, nil
}

// isCertError reports whether err is a certificate problem: retrying
// cannot fix it.
func isCertError(err error) bool {
	var (
		verify   *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		record   tls.RecordHeaderError
	)
	return errors.As(err, &verify) || errors.As(err, &unknown) ||
		errors.As(err, &hostname) || errors.As(err, &invalid) || errors.As(err, &record)
}
