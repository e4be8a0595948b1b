// Package notify tells subscribers about changed documents: the webhook
// subscriptions of `resource-sync watch` (issue 14, after the flare seed).
//
// A change ([Change]) enters through a [Publisher]: the document API
// ([DocumentAPI]), or the reconcile engine's written and deleted events.
// The [Notifier] matches its uri against the resources of a subscriptions
// file ([LoadConfig]), reads its version from the resource's change field,
// and publishes it into a JetStream stream (one subject per resource and
// lane, deduplicated by resource, uri and version) unless that version or
// a newer one was already published.
//
// [Deliver] runs the delivery workers: a durable consumer per subscriber
// and lane (MaxAckPending 1, so versions of a document arrive in order),
// backoff retries on any answer that is neither a success nor a discard
// code, and a bucket of the version each subscriber has of each document,
// written after a success code, so no subscriber gets the same or an older
// version twice. Workers in several processes share the work.
//
// The [Broker] is the JetStream connection: an embedded nats-server on a
// store directory and a loopback port by default, or an existing cluster.
//
// Start with broker.go, then publish.go and deliver.go.
package notify
