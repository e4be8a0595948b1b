package notify

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the notifier's Prometheus metrics; a nil *Metrics records
// nothing.
type Metrics struct {
	deliveries *prometheus.CounterVec
	retries    *prometheus.CounterVec
	discards   *prometheus.CounterVec
	skipped    *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	publishes  *prometheus.CounterVec
}

// NewMetrics registers the notifier's metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	sub := []string{"subscriber"}
	m := &Metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "resource_sync_notify_deliveries_total",
			Help: "Changes a subscriber answered with a success code."}, sub),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "resource_sync_notify_retries_total",
			Help: "Deliveries that failed (no answer, or a code neither success nor discard) and will be retried."}, sub),
		discards: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "resource_sync_notify_discards_total",
			Help: "Changes dropped because the subscriber answered a discard code."}, sub),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "resource_sync_notify_skipped_total",
			Help: "Changes not sent because the subscriber already has the same or a newer version."}, sub),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "resource_sync_notify_delivery_seconds",
			Help:    "Time from a change being seen to its successful delivery.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10)}, sub),
		publishes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "resource_sync_notify_published_total",
			Help: "Changes offered to the stream, by resource and outcome (published, duplicate, unchanged)."}, []string{"resource", "outcome"}),
	}
	reg.MustRegister(m.deliveries, m.retries, m.discards, m.skipped, m.latency, m.publishes)
	return m
}

func (m *Metrics) delivered(sub string, since time.Time) {
	if m != nil {
		m.deliveries.WithLabelValues(sub).Inc()
		m.latency.WithLabelValues(sub).Observe(time.Since(since).Seconds())
	}
}

func (m *Metrics) retried(sub string) {
	if m != nil {
		m.retries.WithLabelValues(sub).Inc()
	}
}

func (m *Metrics) discarded(sub string) {
	if m != nil {
		m.discards.WithLabelValues(sub).Inc()
	}
}

func (m *Metrics) skip(sub string) {
	if m != nil {
		m.skipped.WithLabelValues(sub).Inc()
	}
}

func (m *Metrics) published(resource string, o Outcome) {
	if m != nil {
		m.publishes.WithLabelValues(resource, string(o)).Inc()
	}
}

// lagCollector reports each subscriber's lag, read from JetStream at
// scrape time so that every worker (and any process) reports the same.
type lagCollector struct {
	b   *Broker
	lag *prometheus.Desc
}

// LagCollector is a Prometheus collector of per-subscriber lag: changes
// waiting for, or in, delivery.
func (b *Broker) LagCollector() prometheus.Collector {
	return &lagCollector{b: b,
		lag: prometheus.NewDesc("resource_sync_notify_lag",
			"Changes not yet delivered to the subscriber (waiting or in delivery).", []string{"subscriber"}, nil),
	}
}

func (c *lagCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.lag
}

func (c *lagCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	statuses, err := c.b.Status(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.lag, err)
		return
	}
	for _, s := range statuses {
		ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, float64(s.Pending+s.InFlight), s.Subscriber)
	}
}
