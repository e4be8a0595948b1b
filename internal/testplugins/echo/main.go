// Command echo is a third-party endpoint plugin for tests, built as its own
// binary (resource-sync-plugin-echo) and written only against sdk/. Its
// endpoint claims echo:// locations; reading one yields resources that
// show the options Open decoded, typed, so a test can see what reached the
// plugin. A secret option is shown only as its SHA-256.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/resource-sync/resource-sync/sdk"
	"github.com/resource-sync/resource-sync/sdk/serve"
)

// Options are every type an option can have.
type Options struct {
	Greeting string        `option:"greeting" default:"hello" help:"what each resource says"`
	Count    int           `option:"count" default:"1" min:"0" help:"how many resources a read yields"`
	Ratio    float64       `option:"ratio" help:"any number"`
	Loud     bool          `option:"loud" help:"upper-case the greeting"`
	Wait     time.Duration `option:"wait" default:"1s" help:"any duration"`
	Tags     []string      `option:"tag" help:"a list"`
	APIKey   string        `option:"api-key,secret,credential" env:"ECHO_API_KEY" help:"a secret, shown as its SHA-256"`
	Refuse   bool          `option:"refuse" help:"fail to open, quoting api-key (the host must mask it)"`
}

// Endpoint reads resources describing its options.
type Endpoint struct {
	location string
	opts     Options
}

var _ sdk.Reader = (*Endpoint)(nil)

func open(_ context.Context, req sdk.OpenRequest) (sdk.Endpoint, error) {
	e := &Endpoint{location: req.Location}
	if err := req.DecodeOptions(&e.opts); err != nil {
		return nil, err
	}
	// Careless on purpose: the host masks secrets in logs and errors.
	sdk.Logger().Debug("opened", "location", req.Location, "api-key", e.opts.APIKey)
	if e.opts.Refuse {
		return nil, fmt.Errorf("refusing to open with api-key %s", e.opts.APIKey)
	}
	return e, nil
}

func (e *Endpoint) Close() error { return nil }

func (e *Endpoint) Read(ctx context.Context) iter.Seq2[sdk.Document, error] {
	return func(yield func(sdk.Document, error) bool) {
		greeting := e.opts.Greeting
		if e.opts.Loud {
			greeting = strings.ToUpper(greeting)
		}
		key := ""
		if e.opts.APIKey != "" {
			sum := sha256.Sum256([]byte(e.opts.APIKey))
			key = hex.EncodeToString(sum[:])
		}
		tags := e.opts.Tags
		if tags == nil {
			tags = []string{}
		}
		for i := range e.opts.Count {
			doc, err := sdk.MarshalCanonical(map[string]any{
				"id": fmt.Sprintf("e%d", i+1), "type": "echo", "location": e.location,
				"greeting": greeting, "ratio": e.opts.Ratio, "wait": e.opts.Wait.String(),
				"tags": tags, "api_key_sha256": key,
			})
			if err != nil {
				yield(sdk.Document{}, err)
				return
			}
			if !yield(sdk.Document{Content: doc, MediaType: "application/json", Source: e.location}, nil) {
				return
			}
		}
	}
}

func main() {
	serve.Plugin(sdk.Plugin{
		Name:    "echo",
		Version: "0.1.0",
		Endpoints: []sdk.EndpointSpec{{
			Name:       "echo",
			Summary:    "resources showing the options it was opened with (tests)",
			Schemes:    []string{"echo"},
			Open:       open,
			Implements: (*Endpoint)(nil),
			Options:    (*Options)(nil),
		}},
	})
}
