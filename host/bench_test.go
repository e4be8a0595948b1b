package host_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/resource-sync/resource-sync/host"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

// echo is a formatter that returns what it is given, so that timing it
// through a plugin process measures the boundary alone.
func echo() sdk.Plugin {
	return sdk.Plugin{Name: "echo", Version: "0.0.1", Formatters: []sdk.FormatterSpec{{
		Name: "echo", Extensions: []string{".echo"}, MediaTypes: []string{"application/x-echo"}, Formatter: echoFormatter{},
	}}}
}

type echoFormatter struct{}

func (echoFormatter) Decode(d sdk.Document) ([]sdk.Value, error) {
	return []sdk.Value{{JSON: d.Content, Source: d.Source}}, nil
}
func (echoFormatter) Encode(v sdk.Value, _ sdk.Style) ([]byte, error) { return v.JSON, nil }

// resource1K is a resource of about 1 KiB.
func resource1K(i int) []byte {
	return []byte(fmt.Sprintf(`{"_links":{"self":{"href":"http://example.com/api/v1/order/o%d"}},"id":"o%d","note":%q}`,
		i, i, strings.Repeat("x", 1024-90)))
}

// BenchmarkBoundary moves 1 KiB resources through a formatter: called
// directly, and through a real plugin process on an Encode stream in
// batches. The difference per resource is the cost of the boundary.
func BenchmarkBoundary(b *testing.B) {
	values := make([]*pb.Value, 1000)
	for i := range values {
		values[i] = &pb.Value{Json: resource1K(i), Source: "bench"}
	}
	b.Run("direct", func(b *testing.B) {
		var f echoFormatter
		b.SetBytes(int64(len(values[0].Json)))
		for i := 0; b.Loop(); i++ {
			v := values[i%len(values)]
			out, _ := f.Encode(sdk.Value{JSON: v.Json, Source: v.Source}, sdk.StyleFile)
			if len(out) == 0 {
				b.Fatal("empty")
			}
		}
	})
	for _, size := range []int{1, 10, 100, 256} {
		b.Run(fmt.Sprintf("plugin/batch=%d", size), func(b *testing.B) {
			h := benchHost(b, true)
			p, err := h.Plugin(context.Background(), "echo")
			if err != nil {
				b.Fatal(err)
			}
			stream, err := pb.NewFormatterClient(p.Conn()).Encode(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(values[0].Json)))
			b.ResetTimer()
			// Sending and receiving overlap, as in the host's pipeline.
			errc := make(chan error, 1)
			go func() {
				for sent := 0; sent < b.N; sent += size {
					n := min(size, b.N-sent)
					if err := stream.Send(&pb.Encode_Request{Format: "echo", Values: values[:n]}); err != nil {
						errc <- err
						return
					}
				}
				errc <- nil
			}()
			for got := 0; got < b.N; {
				resp, err := stream.Recv()
				if err != nil {
					b.Fatal(err)
				}
				got += len(resp.GetResults())
			}
			if err := <-errc; err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			stream.CloseSend()
		})
	}
}

// BenchmarkStartup starts the three plugins a dir-to-dir sync needs, in
// parallel, up to their first answered call, with and without AutoMTLS.
func BenchmarkStartup(b *testing.B) {
	for _, mtls := range []bool{false, true} {
		b.Run(fmt.Sprintf("mtls=%v", mtls), func(b *testing.B) {
			for b.Loop() {
				h := benchHost(b, mtls)
				if err := h.StartAll(context.Background(), []string{"dir", "json", "hal"}); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				h.Close()
				b.StartTimer()
			}
		})
	}
}

func benchHost(b *testing.B, mtls bool) *host.Host {
	b.Helper()
	if mtls {
		os.Unsetenv(host.EnvMTLS)
	} else {
		os.Setenv(host.EnvMTLS, "off")
	}
	defer os.Unsetenv(host.EnvMTLS)
	h, err := host.New(host.Options{Builtins: sources(b), SearchPath: []string{}, Level: hclog.Error})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(h.Close)
	return h
}
