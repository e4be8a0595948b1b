package pluginserver

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/resource-sync/resource-sync/internal/wire"
)

// hostIssuedTLS is the TLS a plugin serves with when its host issued it a
// key (wire.EnvTLSFD): that key, and only the host's certificate
// (wire.EnvClientCert) accepted from a client. Without one it
// returns nil, and go-plugin does as it always does: its automatic mTLS
// when the host sent a certificate, no TLS otherwise.
func hostIssuedTLS() (*tls.Config, error) {
	fdText, ok := os.LookupEnv(wire.EnvTLSFD)
	if !ok {
		return nil, nil
	}
	os.Unsetenv(wire.EnvTLSFD) // not for this plugin's own children
	fd, err := strconv.Atoi(fdText)
	if err != nil || fd < 3 {
		return nil, fmt.Errorf("$%s is %q, not a file descriptor the host passed", wire.EnvTLSFD, fdText)
	}
	f := os.NewFile(uintptr(fd), "TLS key from the host")
	defer f.Close()
	const limit = 64 << 10
	pemBytes, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading the TLS key the host passed: %w", err)
	}
	if len(pemBytes) > limit {
		return nil, errors.New("the TLS key the host passed is over 64 KiB")
	}
	cert, err := tls.X509KeyPair(pemBytes, pemBytes)
	if err != nil {
		return nil, fmt.Errorf("the TLS key the host passed: %w", err)
	}
	clients := x509.NewCertPool()
	if !clients.AppendCertsFromPEM([]byte(os.Getenv(wire.EnvClientCert))) {
		return nil, fmt.Errorf("the host passed a TLS key but no certificate of its own ($%s)", wire.EnvClientCert)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    clients,
		MinVersion:   tls.VersionTLS12,
	}, nil
}
