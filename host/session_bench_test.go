package host_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/resource-sync/resource-sync/host"
)

// withoutValidators hides a server's ETags and ignores If-None-Match: an
// API that does not support conditional GETs.
type withoutValidators struct{ h http.Handler }

func (v withoutValidators) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.Header.Del("If-None-Match")
	v.h.ServeHTTP(etagless{w}, r)
}

type etagless struct{ http.ResponseWriter }

func (e etagless) WriteHeader(code int) {
	e.Header().Del("ETag")
	e.ResponseWriter.WriteHeader(code)
}

// countingWriter counts the body bytes a server sends.
type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c countingWriter) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	return c.ResponseWriter.Write(p)
}

// BenchmarkIdlePass is one pass of a session over a serve origin of
// 10,000 resources (10 pages of 1,000) that did not change, with
// conditional GETs (every page answered 304) and against a server without
// validators (every page read, parsed and classified again). Both passes
// end idle, without reading the destination.
//
//	go test -run '^$' -bench IdlePass -benchtime=20x ./host/
func BenchmarkIdlePass(b *testing.B) {
	for _, conditional := range []bool{true, false} {
		name := "conditional"
		if !conditional {
			name = "plain"
		}
		b.Run(name, func(b *testing.B) {
			base, counter := serveWidgets(b, 10000)
			if !conditional {
				counter.srv = withoutValidators{counter.srv}
			}
			var sent atomic.Int64
			inner := counter.srv
			counter.srv = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { inner.ServeHTTP(countingWriter{w, &sent}, r) })
			h := newHost(b, "")
			origin := host.Location{Spec: base + "/api/widget", Options: map[string]string{"limit": "1000"}}
			s, err := h.OpenSession(context.Background(), host.SyncOptions{Origins: []host.Location{origin}, Destination: host.At("null"), Format: "json", Schema: "hal"})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			p, err := s.Prepare(context.Background(), nil)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := p.Apply(context.Background()); err != nil {
				b.Fatal(err)
			}
			p.Close()
			sent.Store(0)
			for b.Loop() {
				p, err := s.Prepare(context.Background(), nil)
				if err != nil || p != nil {
					b.Fatalf("an idle pass planned %v, %v", p, err)
				}
			}
			b.ReportMetric(float64(sent.Load())/float64(b.N), "bytes/pass")
		})
	}
}
