package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Names of what the notifier keeps in JetStream.
const (
	StreamName      = "RESOURCE_SYNC_CHANGES" // the change events
	subjectPrefix   = "rs.changes."           // + resource + "." + partition
	DocumentsBucket = "rs-documents"          // last published version per resource and uri
	DeliveredBucket = "rs-delivered"          // last delivered version per subscriber and uri
	metaPartitions  = "partitions"            // stream metadata: lanes per subscriber
	metaSubscriber  = "subscriber"            // consumer metadata: resource/subscription
	serverInfoFile  = "server.json"           // in the store: how other processes reach the embedded server
	lockFile        = "lock"
)

// BrokerOptions say which NATS to use and how to lay out the stream.
type BrokerOptions struct {
	// URL of an existing NATS server or cluster (comma-separated URLs).
	// Empty starts an embedded server with JetStream on StoreDir, listening
	// on a random loopback port; when another process already runs one on
	// StoreDir, this one connects to it instead and shares the work.
	URL string
	// CredsFile is a NATS credentials file for URL; credentials never go in
	// the URL itself.
	CredsFile string
	StoreDir  string
	// Replicas of the stream and buckets: 1, or 3 on a cluster.
	Replicas int
	// Partitions is the number of lanes per subscriber: changes to one uri
	// always take the same lane and a lane delivers one change at a time, so
	// versions arrive in order. Fixed when the stream is first created.
	Partitions int
	// AckWait is how long a worker may stay silent about a change before
	// another worker takes it over (a worker that is alive extends it).
	AckWait time.Duration
	Logger  *slog.Logger
}

// Broker is a connection to the JetStream that carries changes, with the
// embedded server when it runs one.
type Broker struct {
	nc         *nats.Conn
	js         jetstream.JetStream
	srv        *server.Server
	unlock     func()
	stream     jetstream.Stream
	documents  jetstream.KeyValue
	delivered  jetstream.KeyValue
	partitions int
	ackWait    time.Duration
	replicas   int
	log        *slog.Logger
	url        string
	lost       chan struct{} // closed when the connection is gone for good
	lostOnce   sync.Once
	// dial opens another connection to the same server, with extra options.
	dial func(extra ...nats.Option) (*nats.Conn, error)
}

// serverInfo is what the process running the embedded server writes for
// the others (mode 0600: the token is a secret).
type serverInfo struct {
	URL   string `json:"url"`
	Token string `json:"token"`
	PID   int    `json:"pid"`
}

// OpenBroker connects (starting the embedded server if it is ours to run)
// and makes sure the stream and buckets exist.
func OpenBroker(ctx context.Context, opts BrokerOptions) (*Broker, error) {
	if opts.Partitions <= 0 {
		opts.Partitions = 8
	}
	if opts.Replicas <= 0 {
		opts.Replicas = 1
	}
	if opts.AckWait <= 0 {
		opts.AckWait = 30 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	b := &Broker{ackWait: opts.AckWait, replicas: opts.Replicas, log: opts.Logger, lost: make(chan struct{})}
	if err := b.connect(ctx, opts); err != nil {
		b.Close()
		return nil, err
	}
	if err := b.setup(ctx, opts.Partitions); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

func (b *Broker) connect(ctx context.Context, opts BrokerOptions) error {
	natsOpts := []nats.Option{nats.Name("resource-sync")}
	if opts.URL != "" {
		natsOpts = append(natsOpts, nats.MaxReconnects(-1)) // a cluster comes back
		if opts.CredsFile != "" {
			natsOpts = append(natsOpts, nats.UserCredentials(opts.CredsFile))
		}
		b.dialer(opts.URL, natsOpts)
		if err := b.connectMain(); err != nil {
			return fmt.Errorf("connect to NATS at %s: %w", redactURL(opts.URL), err)
		}
		b.url = redactURL(opts.URL)
		return nil
	}
	if opts.StoreDir == "" {
		return errors.New("no NATS: give a store directory for the embedded server or a NATS URL")
	}
	if err := os.MkdirAll(opts.StoreDir, 0o700); err != nil {
		return err
	}
	unlock, locked, err := lockDir(filepath.Join(opts.StoreDir, lockFile))
	if err != nil {
		return fmt.Errorf("lock %s: %w", opts.StoreDir, err)
	}
	if !locked {
		// The server goes when the process hosting it stops: give up after
		// a few seconds rather than wait for it forever.
		return b.join(ctx, opts.StoreDir, append(natsOpts, nats.MaxReconnects(5), nats.ReconnectWait(time.Second)))
	}
	b.unlock = unlock
	return b.startEmbedded(opts.StoreDir, natsOpts)
}

// startEmbedded runs nats-server in this process on a random loopback
// port, with a fresh token, and tells other processes how to reach it.
func (b *Broker) startEmbedded(dir string, natsOpts []nats.Option) error {
	token := make([]byte, 24)
	if _, err := rand.Read(token); err != nil {
		return err
	}
	sopts := &server.Options{
		ServerName:    "resource-sync",
		Host:          "127.0.0.1",
		Port:          server.RANDOM_PORT,
		JetStream:     true,
		StoreDir:      dir,
		NoSigs:        true,
		NoLog:         true,
		Authorization: hex.EncodeToString(token),
	}
	srv, err := server.NewServer(sopts)
	if err != nil {
		return fmt.Errorf("embedded NATS server: %w", err)
	}
	srv.Start()
	b.srv = srv
	if !srv.ReadyForConnections(10 * time.Second) {
		return errors.New("embedded NATS server did not start within 10s")
	}
	info := serverInfo{URL: srv.ClientURL(), Token: sopts.Authorization, PID: os.Getpid()}
	data, _ := json.Marshal(info)
	if err := writeFileAtomic(filepath.Join(dir, serverInfoFile), data, 0o600); err != nil {
		return err
	}
	b.dialer("", append(natsOpts, nats.InProcessServer(srv), nats.Token(sopts.Authorization)))
	if err := b.connectMain(); err != nil {
		return fmt.Errorf("connect to the embedded NATS server: %w", err)
	}
	b.url = info.URL
	b.log.Info("embedded NATS server started", "url", info.URL, "store", dir)
	return nil
}

// join connects to the embedded server another process runs on dir; it may
// still be starting, so the info file is awaited a little.
func (b *Broker) join(ctx context.Context, dir string, natsOpts []nats.Option) error {
	path := filepath.Join(dir, serverInfoFile)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var info serverInfo
		data, err := os.ReadFile(path)
		if err == nil {
			err = json.Unmarshal(data, &info)
		}
		if err == nil {
			b.dialer(info.URL, append(natsOpts, nats.Token(info.Token)))
			if err = b.connectMain(); err == nil {
				b.url = info.URL
				b.log.Info("joined the embedded NATS server of another process", "url", info.URL, "pid", info.PID)
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s is locked by another resource-sync, but its NATS server cannot be reached (%v)", dir, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// dialer remembers how to connect, for the delivery connections.
func (b *Broker) dialer(url string, opts []nats.Option) {
	b.dial = func(extra ...nats.Option) (*nats.Conn, error) {
		return nats.Connect(url, append(slices.Clone(opts), extra...)...)
	}
}

// connectMain opens the broker's own connection, whose loss for good
// closes Lost.
func (b *Broker) connectMain() error {
	nc, err := b.dial(nats.ClosedHandler(func(*nats.Conn) { b.lostOnce.Do(func() { close(b.lost) }) }))
	if err != nil {
		return err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return err
	}
	b.nc, b.js = nc, js
	return nil
}

func (b *Broker) setup(ctx context.Context, partitions int) error {
	cfg := jetstream.StreamConfig{
		Name:        StreamName,
		Description: "resource-sync change events, one subject per resource and lane",
		Subjects:    []string{subjectPrefix + ">"},
		Retention:   jetstream.InterestPolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    b.replicas,
		Duplicates:  2 * time.Minute,
		Metadata:    map[string]string{metaPartitions: strconv.Itoa(partitions)},
	}
	stream, err := b.js.CreateStream(ctx, cfg)
	if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		stream, err = b.js.Stream(ctx, StreamName)
	}
	if err != nil {
		return fmt.Errorf("JetStream stream %s: %w", StreamName, err)
	}
	b.stream = stream
	b.partitions, err = strconv.Atoi(stream.CachedInfo().Config.Metadata[metaPartitions])
	if err != nil || b.partitions <= 0 {
		return fmt.Errorf("JetStream stream %s was not made by resource-sync (no partitions metadata)", StreamName)
	}
	for _, kv := range []struct {
		name string
		into *jetstream.KeyValue
	}{{DocumentsBucket, &b.documents}, {DeliveredBucket, &b.delivered}} {
		bucket, err := b.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: kv.name, History: 1, Replicas: b.replicas, Storage: jetstream.FileStorage})
		if errors.Is(err, jetstream.ErrBucketExists) {
			bucket, err = b.js.KeyValue(ctx, kv.name)
		}
		if err != nil {
			return fmt.Errorf("JetStream bucket %s: %w", kv.name, err)
		}
		*kv.into = bucket
	}
	return nil
}

// Partitions is the number of lanes per subscriber.
func (b *Broker) Partitions() int { return b.partitions }

// URL is the NATS server connected to (without credentials).
func (b *Broker) URL() string { return b.url }

// Embedded tells whether this process runs the NATS server.
func (b *Broker) Embedded() bool { return b.srv != nil }

// Lost is closed when the connection to NATS is gone for good (the watch
// hosting the embedded server stopped, or Close was called).
func (b *Broker) Lost() <-chan struct{} { return b.lost }

// Close disconnects, and stops the embedded server if this process runs it.
func (b *Broker) Close() {
	if b.nc != nil {
		b.nc.Close()
	}
	if b.srv != nil {
		b.srv.Shutdown()
		b.srv.WaitForShutdown()
	}
	if b.unlock != nil {
		b.unlock()
	}
}

// partition is the lane of uri: the same for every subscriber and process.
func (b *Broker) partition(uri string) int {
	h := fnv.New32a()
	h.Write([]byte(uri))
	return int(h.Sum32() % uint32(b.partitions))
}

func subject(resource string, partition int) string {
	return subjectPrefix + resource + "." + strconv.Itoa(partition)
}

// consumerName is the durable consumer of one subscriber's lane.
func consumerName(s *Subscription, partition int) string {
	return s.Resource.Name + "_" + s.Name + "_" + strconv.Itoa(partition)
}

// EnsureSubscribers creates the durable consumers of every subscription,
// so that changes published from now on are kept for them.
func (b *Broker) EnsureSubscribers(ctx context.Context, cfg *Config) error {
	for _, r := range cfg.Resources {
		for _, s := range r.Subscriptions {
			for p := range b.partitions {
				if _, err := b.consumer(ctx, b.js, s, p); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// consumer creates or updates one lane's consumer, bound to js's
// connection.
func (b *Broker) consumer(ctx context.Context, js jetstream.JetStream, s *Subscription, p int) (jetstream.Consumer, error) {
	c, err := js.CreateOrUpdateConsumer(ctx, StreamName, jetstream.ConsumerConfig{
		Durable:       consumerName(s, p),
		Description:   "deliveries to " + s.ID(),
		FilterSubject: subject(s.Resource.Name, p),
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       b.ackWait,
		MaxAckPending: 1, // one change at a time per lane: version order
		MaxDeliver:    -1,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		Replicas:      b.replicas,
		Metadata:      map[string]string{metaSubscriber: s.ID()},
		// Consumer state on disk is rewritten (temp file and rename) on every
		// ack, which cost a fifth of the CPU. Kept in memory, a restarted
		// server walks the changes still in the stream again, and the
		// delivered bucket skips those already delivered.
		MemoryStorage: true,
	})
	if err != nil {
		return nil, fmt.Errorf("JetStream consumer for %s: %w", s.ID(), err)
	}
	return c, nil
}

// redactURL drops any credentials from NATS URLs before they are shown.
func redactURL(u string) string {
	return redactUserinfo.ReplaceAllString(u, "$1")
}
