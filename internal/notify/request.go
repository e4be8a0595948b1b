package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/resource-sync/resource-sync/sdk"
)

// envelope is the body of a subscription with content.envelope.
type envelope struct {
	Action   Action           `json:"action"`
	Resource envelopeResource `json:"resource"`
	Version  any              `json:"version,omitempty"`
	Time     string           `json:"time"`
	Document json.RawMessage  `json:"document,omitempty"`
	Data     any              `json:"data,omitempty"`
}

type envelopeResource struct {
	Name string `json:"name"` // the resource in the subscriptions file
	URI  string `json:"uri"`
	Type string `json:"type,omitempty"`
	ID   string `json:"id,omitempty"`
}

// request builds the webhook call that tells s about ev.
func (s *Subscription) request(ctx context.Context, ev *event) (*http.Request, error) {
	target := s.Targets[ev.Action]
	values, _ := s.Resource.Endpoint.Match(ev.URI)
	// Wildcard values come from the uri already percent-encoded, which is
	// what a URL needs.
	url := interpolate(target.URL, values, func(v string) string { return v })
	var body []byte
	switch {
	case s.Envelope:
		env := envelope{
			Action:   ev.Action,
			Resource: envelopeResource{Name: ev.Resource, URI: ev.URI, Type: ev.Type, ID: ev.ID},
			Time:     ev.At.UTC().Format(time.RFC3339Nano),
		}
		if !ev.Version.IsZero() {
			env.Version = ev.Version.envelopeValue()
		}
		if s.Document {
			env.Document = ev.Document
		}
		if s.Data != nil {
			env.Data = interpolateData(s.Data, values)
		}
		var err error
		if body, err = sdk.MarshalCanonical(toCanonical(env)); err != nil {
			return nil, err
		}
	case s.Document && ev.Document != nil:
		body = ev.Document
	}
	var r io.Reader
	if body != nil && target.Method != http.MethodGet {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, target.Method, url, r)
	if err != nil {
		return nil, err
	}
	req.Header = target.Header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "resource-sync-notify")
	// The same change keeps its key across retries and workers, so a
	// receiver can recognise a repeat it already answered.
	req.Header.Set("Idempotency-Key", ev.msgID())
	return req, nil
}

// toCanonical round-trips v through JSON into maps, so MarshalCanonical
// sorts every key and keeps numbers as written.
func toCanonical(v any) any {
	data, err := json.Marshal(v)
	if err != nil {
		return v
	}
	out, err := sdk.UnmarshalJSON(data)
	if err != nil {
		return v
	}
	return out
}

// interpolateData replaces {wildcard} in every string of data with the
// wildcard's value as text.
func interpolateData(data any, values map[string]string) any {
	switch d := data.(type) {
	case string:
		return interpolate(d, values, unescaped)
	case map[string]any:
		out := make(map[string]any, len(d))
		for k, v := range d {
			out[k] = interpolateData(v, values)
		}
		return out
	case []any:
		out := make([]any, len(d))
		for i, v := range d {
			out[i] = interpolateData(v, values)
		}
		return out
	}
	return data
}
