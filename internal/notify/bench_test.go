package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Benchmark scale: 10,000 changes (2,000 documents × 5 versions) to 10
// subscribers of one resource, so 100,000 webhooks.
const (
	benchDocs        = 2000
	benchVersions    = 5
	benchSubscribers = 10
	benchPartitions  = 8 // lanes per subscriber, and the baseline's goroutines per subscriber
)

// benchReceiver is the subscribers' endpoint: it answers 200 and keeps,
// per delivery, the time from the change (the document's "at") to now.
type benchReceiver struct {
	*httptest.Server
	mu        sync.Mutex
	latencies []time.Duration
	count     atomic.Int64
	done      chan struct{}
	want      int64
}

func newBenchReceiver(b *testing.B, want int64) *benchReceiver {
	r := &benchReceiver{done: make(chan struct{}), want: want, latencies: make([]time.Duration, 0, want)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var d struct{ At int64 }
		body, _ := io.ReadAll(req.Body)
		json.Unmarshal(body, &d)
		lat := time.Since(time.Unix(0, d.At))
		r.mu.Lock()
		r.latencies = append(r.latencies, lat)
		r.mu.Unlock()
		if r.count.Add(1) == r.want {
			close(r.done)
		}
	}))
	b.Cleanup(r.Close)
	return r
}

func (r *benchReceiver) wait(b *testing.B) {
	select {
	case <-r.done:
	case <-time.After(5 * time.Minute):
		b.Fatalf("only %d of %d deliveries", r.count.Load(), r.want)
	}
}

func (r *benchReceiver) report(b *testing.B, elapsed time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	slices.Sort(r.latencies)
	p := func(q float64) float64 {
		return float64(r.latencies[int(q*float64(len(r.latencies)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(r.count.Load())/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(p(0.50), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}

func benchDoc(d, v int) []byte {
	return []byte(fmt.Sprintf(`{"at":%d,"id":%d,"rev":%d}`, time.Now().UnixNano(), d, v))
}

// A load is what the origin sends: versions of documents, as fast as
// possible (rate 0) or at a steady rate of changes per second.
type load struct {
	docs, versions int
	rate           float64
}

// saturated is the throughput load: 10,000 changes at once.
var saturated = load{docs: benchDocs, versions: benchVersions}

// paced is the latency load: 500 changes at 50 a second, well below
// what either side can deliver, so latency is not queueing.
var paced = load{docs: 100, versions: 5, rate: 50}

func (l load) changes() int { return l.docs * l.versions }

// emit calls send for every change, versions of a document in order; with
// a rate, one change per tick. Unpaced, senders goroutines split the
// documents between them.
func (l load) emit(senders int, send func(d, v int)) {
	if l.rate > 0 {
		tick := time.NewTicker(time.Duration(float64(time.Second) / l.rate))
		defer tick.Stop()
		for v := 1; v <= l.versions; v++ {
			for d := range l.docs {
				<-tick.C
				send(d, v)
			}
		}
		return
	}
	var wg sync.WaitGroup
	for p := range senders {
		wg.Go(func() {
			for v := 1; v <= l.versions; v++ {
				for d := p; d < l.docs; d += senders {
					send(d, v)
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkPlainWebhooks is the baseline: a plain Go program posting the
// same webhooks, with as many goroutines per subscriber as the notifier
// has lanes, and no stream, ordering or delivered-version tracking.
func BenchmarkPlainWebhooks(b *testing.B) {
	for name, l := range map[string]load{"saturated": saturated, "paced": paced} {
		b.Run(name, func(b *testing.B) {
			for range b.N {
				benchPlain(b, l)
			}
		})
	}
}

func benchPlain(b *testing.B, l load) {
	recv := newBenchReceiver(b, int64(l.changes()*benchSubscribers))
	client := &http.Client{Transport: defaultTransport()}
	lanes := make([]chan []byte, benchSubscribers*benchPartitions)
	var wg sync.WaitGroup
	for i := range lanes {
		lanes[i] = make(chan []byte, 64)
		url := recv.URL + "/s" + strconv.Itoa(i/benchPartitions)
		wg.Go(func() {
			for body := range lanes[i] {
				resp, err := client.Post(url, "application/json", strings.NewReader(string(body)))
				if err != nil {
					b.Error(err)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	start := time.Now()
	// One sender: the lanes' channels keep each document's versions in order.
	l.emit(1, func(d, v int) {
		body := benchDoc(d, v)
		for s := range benchSubscribers {
			lanes[s*benchPartitions+d%benchPartitions] <- body
		}
	})
	recv.wait(b)
	elapsed := time.Since(start)
	for _, l := range lanes {
		close(l)
	}
	wg.Wait()
	recv.report(b, elapsed)
}

// BenchmarkNotify publishes changes into the embedded JetStream while
// workers deliver them to 10 subscribers: throughput with 1 and 3 workers,
// and latency from the change to its delivery.
func BenchmarkNotify(b *testing.B) {
	for _, tc := range []struct {
		name    string
		l       load
		workers int
	}{{"saturated/workers=1", saturated, 1}, {"saturated/workers=3", saturated, 3}, {"paced/workers=1", paced, 1}} {
		b.Run(tc.name, func(b *testing.B) {
			for range b.N {
				benchNotify(b, tc.l, tc.workers)
			}
		})
	}
}

func benchNotify(b *testing.B, l load, workers int) {
	recv := newBenchReceiver(b, int64(l.changes()*benchSubscribers))
	var subs strings.Builder
	for s := range benchSubscribers {
		fmt.Fprintf(&subs, "      s%d: {endpoint: {url: \"%s/s%d/{id}\"}}\n", s, recv.URL, s)
	}
	cfg, err := ParseConfig("bench.yaml", []byte("resources:\n  items:\n    endpoint: http://origin.test/items/{id}\n    change: {field: rev}\n    subscriptions:\n"+subs.String()), testEnv(nil))
	if err != nil {
		b.Fatal(err)
	}
	store := b.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The first broker runs the embedded server; the others join it, each
	// with its own connection, as separate processes would.
	brokers := make([]*Broker, workers)
	for i := range brokers {
		br, err := OpenBroker(ctx, BrokerOptions{StoreDir: store, Partitions: benchPartitions})
		if err != nil {
			b.Fatal(err)
		}
		defer br.Close()
		brokers[i] = br
	}
	if err := brokers[0].EnsureSubscribers(ctx, cfg); err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	for _, br := range brokers {
		wg.Go(func() { Deliver(ctx, br, cfg, WorkerOptions{}) })
	}
	n := NewNotifier(brokers[0], cfg, nil)
	var retries atomic.Int64
	start := time.Now()
	l.emit(4, func(d, v int) {
		uri := "http://origin.test/items/" + strconv.Itoa(d)
		c := Change{URI: uri, Document: benchDoc(d, v)}
		// An overloaded server times out; the origin tries again, as it
		// would on the document API's 503.
		for attempt := 0; ; attempt++ {
			_, err := n.Publish(ctx, c)
			if err == nil {
				return
			}
			if attempt == 5 {
				b.Error(err)
				return
			}
			retries.Add(1)
		}
	})
	recv.wait(b)
	recv.report(b, time.Since(start))
	b.ReportMetric(float64(retries.Load()), "publish-retries")
}
