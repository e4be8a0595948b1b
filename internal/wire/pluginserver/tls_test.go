//go:build unix

package pluginserver

import (
	"bytes"
	"crypto/tls"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/resource-sync/resource-sync/internal/wire"
)

// issue passes id through a pipe, as a host does, and returns the
// descriptor's number.
func issue(t *testing.T, data []byte) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	w.Close()
	// hostIssuedTLS closes the descriptor it reads: give it a copy.
	fd, err := syscall.Dup(int(r.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	return strconv.Itoa(fd)
}

func TestHostIssuedTLS(t *testing.T) {
	server, err := wire.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	client, err := wire.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}

	t.Run("none", func(t *testing.T) {
		t.Setenv(wire.EnvTLSFD, "") // restored after
		os.Unsetenv(wire.EnvTLSFD)
		if cfg, err := hostIssuedTLS(); cfg != nil || err != nil {
			t.Fatalf("without a key from the host: %v, %v; want go-plugin's own TLS", cfg, err)
		}
	})
	t.Run("issued", func(t *testing.T) {
		t.Setenv(wire.EnvTLSFD, issue(t, server.PEM))
		t.Setenv(wire.EnvClientCert, string(client.CertPEM()))
		cfg, err := hostIssuedTLS()
		if err != nil {
			t.Fatal(err)
		}
		if len(cfg.Certificates) != 1 || !bytes.Equal(cfg.Certificates[0].Certificate[0], server.Cert.Leaf.Raw) {
			t.Error("the plugin does not serve with the certificate the host issued")
		}
		if cfg.ClientAuth != tls.RequireAndVerifyClientCert || cfg.ClientCAs == nil {
			t.Error("the plugin does not require the host's certificate")
		}
		if _, ok := os.LookupEnv(wire.EnvTLSFD); ok {
			t.Errorf("$%s is still set for the plugin's children", wire.EnvTLSFD)
		}
	})
	for _, tc := range []struct {
		name, fd, clientCert, want string
	}{
		{"not a number", "three", string(client.CertPEM()), wire.EnvTLSFD},
		{"standard stream", "1", string(client.CertPEM()), wire.EnvTLSFD},
		{"no key", issue(t, client.CertPEM()), string(client.CertPEM()), "the TLS key the host passed"},
		{"no client certificate", issue(t, server.PEM), "", "PLUGIN_CLIENT_CERT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(wire.EnvTLSFD, tc.fd)
			t.Setenv(wire.EnvClientCert, tc.clientCert)
			cfg, err := hostIssuedTLS()
			if err == nil || cfg != nil {
				t.Fatalf("got %v, %v; want an error", cfg, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}
