package testserver

import (
	"bufio"
	"crypto/tls"
	"encoding/pem"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
)

// Dual serves one handler over HTTPS and plain HTTP on the same port, as
// a server behind a careless proxy may: https://Addr and http://Addr are
// one host and port, told apart only by the scheme.
type Dual struct {
	// Addr is the 127.0.0.1:PORT both schemes answer on.
	Addr string
	// CertPEM is the server's self-signed certificate, to trust as a CA.
	CertPEM []byte

	tls *httptest.Server
	srv *http.Server
}

// NewDual serves h on a new loopback port until Close.
func NewDual(h http.Handler) (*Dual, error) {
	ts := httptest.NewUnstartedServer(h)
	ts.StartTLS() // only for its certificate and TLS configuration
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ts.Close()
		return nil, err
	}
	d := &Dual{
		Addr:    ln.Addr().String(),
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}),
		tls:     ts,
		srv:     &http.Server{Handler: h, ErrorLog: log.New(io.Discard, "", 0)},
	}
	go d.srv.Serve(&sniffListener{Listener: ln, tls: ts.TLS})
	return d, nil
}

// Close stops serving.
func (d *Dual) Close() {
	d.srv.Close()
	d.tls.Close()
}

// sniffListener hands out TLS connections to clients that start with a
// TLS handshake and plain ones to the others.
type sniffListener struct {
	net.Listener
	tls *tls.Config
}

func (l *sniffListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	br := bufio.NewReader(c)
	first, err := br.Peek(1)
	pc := &peekedConn{Conn: c, r: br}
	if err == nil && first[0] == 0x16 { // a TLS handshake record
		return tls.Server(pc, l.tls), nil
	}
	return pc, nil
}

// peekedConn is a connection whose first bytes were peeked at.
type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }
