package host

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sync"

	"github.com/resource-sync/resource-sync/internal/wire"
)

// The host's side of the mTLS with its plugins: go-plugin's automatic
// mTLS, made cheaper. go-plugin would generate a fresh P-521 key on both
// sides for every plugin, the largest CPU cost of a plugin's start. The
// host makes one P-256 client key per run and shares it, and issues each
// plugin a P-256 key of its own through a pipe (wire.EnvTLSFD). A plugin
// that does not take it generates its own key and sends its certificate
// back in go-plugin's handshake, as before.
type clientCert struct {
	once sync.Once
	id   *wire.Identity
	err  error
}

func (c *clientCert) get() (*wire.Identity, error) {
	c.once.Do(func() { c.id, c.err = wire.NewIdentity() })
	return c.id, c.err
}

// secure sets up the mTLS with the plugin cmd will start: the host's
// certificate in its environment, a key of its own through a pipe, and
// the returned config, which trusts only that plugin's certificate.
// started releases the host's copy of the pipe once the plugin started.
func (c *clientCert) secure(cmd *exec.Cmd) (cfg *tls.Config, started func(), err error) {
	id, err := c.get()
	if err != nil {
		return nil, nil, err
	}
	cfg = &tls.Config{
		Certificates: []tls.Certificate{id.Cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
		ServerName:   "localhost",
	}
	cmd.Env = append(cmd.Env, wire.EnvClientCert+"="+string(id.CertPEM()))
	pipe, err := issueServerKey(cmd, cfg)
	if err != nil {
		return nil, nil, err
	}
	return cfg, func() {
		if pipe != nil {
			pipe.Close() // the plugin has its own copy once started
		}
	}, nil
}

// issueServerKey gives the plugin cmd will start a key and certificate
// of its own to serve with, through a pipe it inherits, and makes cfg
// trust that certificate alone; go-plugin replaces what cfg trusts with
// the certificate a plugin sends back when it makes its own key. The
// returned file is the host's copy of the pipe's reading end: close it
// once the plugin started. Windows passes no descriptors to a child; its
// plugins make their own key.
func issueServerKey(cmd *exec.Cmd, cfg *tls.Config) (*os.File, error) {
	if runtime.GOOS == "windows" {
		return nil, nil
	}
	id, err := wire.NewIdentity()
	if err != nil {
		return nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	// Far below a pipe's buffer: the write does not wait for the child.
	_, err = w.Write(id.PEM)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		r.Close()
		return nil, err
	}
	fd := 3 + len(cmd.ExtraFiles)
	cmd.ExtraFiles = append(cmd.ExtraFiles, r)
	cmd.Env = append(cmd.Env, fmt.Sprintf("%s=%d", wire.EnvTLSFD, fd))
	pool := x509.NewCertPool()
	pool.AddCert(id.Cert.Leaf)
	cfg.RootCAs = pool
	return r, nil
}
