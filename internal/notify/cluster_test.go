package notify

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// startCluster runs a 3-node NATS cluster with JetStream on loopback, in
// this process, from the same nats-server module the embedded server uses.
func startCluster(t *testing.T) []*server.Server {
	t.Helper()
	ports := make([]int, 3)
	for i := range ports {
		// Reserve a port for each node's routes; nodes must know each other's
		// up front for JetStream to size its cluster.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ports[i] = ln.Addr().(*net.TCPAddr).Port
		ln.Close()
	}
	var routes []string
	for _, p := range ports {
		routes = append(routes, "nats-route://127.0.0.1:"+strconv.Itoa(p))
	}
	servers := make([]*server.Server, 3)
	for i := range servers {
		opts := &server.Options{
			ServerName: "n" + strconv.Itoa(i+1),
			Host:       "127.0.0.1",
			Port:       server.RANDOM_PORT,
			JetStream:  true,
			StoreDir:   t.TempDir(),
			NoSigs:     true,
			NoLog:      true,
			Cluster:    server.ClusterOpts{Name: "rs-test", Host: "127.0.0.1", Port: ports[i]},
			Routes:     server.RoutesFromStr(strings.Join(routes, ",")),
		}
		s, err := server.NewServer(opts)
		if err != nil {
			t.Fatal(err)
		}
		s.Start()
		t.Cleanup(s.Shutdown)
		servers[i] = s
	}
	for _, s := range servers {
		if !s.ReadyForConnections(10 * time.Second) {
			t.Fatalf("%s did not start", s.Name())
		}
	}
	waitFor(t, 30*time.Second, "a JetStream meta leader", func() bool {
		for _, s := range servers {
			if s.JetStreamIsLeader() {
				return true
			}
		}
		return false
	})
	return servers
}

// openClusterBroker connects to url, waiting for JetStream to elect its
// leaders.
func openClusterBroker(t *testing.T, url string) *Broker {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		b, err := OpenBroker(ctx, BrokerOptions{URL: url, Replicas: 3, Partitions: 2, AckWait: time.Second})
		cancel()
		if err == nil {
			t.Cleanup(b.Close)
			return b
		}
		if time.Now().After(deadline) {
			t.Fatalf("JetStream cluster not ready: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestCluster: the stream and buckets replicated on a 3-node cluster; the
// origin publishes through one node and the worker delivers through
// another; a node goes down halfway and nothing is lost or repeated.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 3-node cluster")
	}
	t.Parallel()
	servers := startCluster(t)
	h := newHook(t, nil)
	cfg := mustParse(t, "resources:\n  items:\n    endpoint: http://origin.test/items/{id}\n    change: {field: rev}\n    subscriptions:\n      mirror: {endpoint: {url: \"%s/{id}\"}}\n", h.URL)
	pub := openClusterBroker(t, servers[0].ClientURL())
	work := openClusterBroker(t, servers[1].ClientURL())
	ctx := context.Background()
	if err := pub.EnsureSubscribers(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if info := pub.stream.CachedInfo(); info.Config.Replicas != 3 {
		t.Fatalf("stream replicas = %d", info.Config.Replicas)
	}
	startDelivery(t, work, cfg, fastRetries)
	n := NewNotifier(pub, cfg, nil)
	const docs, versions = 10, 6
	publishVersions := func(from, to int) {
		for rev := from; rev <= to; rev++ {
			for d := range docs {
				uri := fmt.Sprintf("http://origin.test/items/%d", d)
				// While a node goes away and leaders are elected again, requests
				// time out or find no responder; the origin publishes again
				// (the document API answers 503), and the stream deduplicates.
				deadline := time.Now().Add(20 * time.Second)
				for {
					cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
					_, err := n.Publish(cctx, Change{URI: uri, Document: doc(strconv.Itoa(d), rev)})
					cancel()
					if err == nil {
						break
					}
					if time.Now().After(deadline) {
						t.Fatal(err)
					}
					time.Sleep(100 * time.Millisecond)
				}
			}
		}
	}
	publishVersions(1, versions/2)
	waitFor(t, time.Minute, "the first half", func() bool { return len(h.successes()) >= docs*versions/2 })
	servers[2].Shutdown()
	publishVersions(versions/2+1, versions)
	waitFor(t, time.Minute, "every delivery", func() bool { return len(h.successes()) >= docs*versions })
	waitSettled(t, pub, 20*time.Second)

	got := map[string][]int{}
	for _, c := range h.successes() {
		var v struct{ Rev int }
		if err := jsonUnmarshal(c.Body, &v); err != nil {
			t.Fatal(err)
		}
		got[c.Path] = append(got[c.Path], v.Rev)
	}
	for path, revs := range got {
		want := []int{1, 2, 3, 4, 5, 6}
		if fmt.Sprint(revs) != fmt.Sprint(want) {
			t.Errorf("%s: versions %v, want %v", path, revs, want)
		}
	}
	if len(got) != docs {
		t.Errorf("%d documents delivered, want %d", len(got), docs)
	}
}
