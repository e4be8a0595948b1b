package server_test

import (
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/resource-sync/resource-sync/server"
)

// BenchmarkGetCollection pages through 10,000 HAL resources, 100 a page,
// over loopback, as a pull with X-Request-Limit: 100 does.
func BenchmarkGetCollection(b *testing.B) {
	const n = 10000
	files := make(map[string]string, n)
	for i := range n {
		files[fmt.Sprintf("order/o%05d.json", i)] = fmt.Sprintf(
			`{"id": "o%05d", "total": %d, "status": "shipped", "_links": {"self": {"href": "http://localhost/api/v1/order/o%05d"}, "parent:customer": {"href": "http://localhost/api/v1/customer/c%d"}}}`,
			i, i*3, i, i%50)
	}
	_, ts := serve(b, server.Options{Dir: writeTree(b, files)})
	client := ts.Client()
	for i := 0; b.Loop(); i++ {
		url := fmt.Sprintf("%s/api/v1/order?offset=%d", ts.URL, (i*100)%n)
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("X-Request-Limit", "100")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %d", url, resp.StatusCode)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/resource")
}
