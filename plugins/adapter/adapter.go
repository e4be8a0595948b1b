// Package adapter syncs an HTTP API described by an adapter file (YAML):
// its base URL and authentication, and for each collection where it is
// listed, how its pages continue, where each item lives, which field is
// its id, how items are written, which fields reference other
// collections, and which fields the server manages or hold secrets. See
// docs/adapters.md.
//
// The plugin offers the adapter endpoint, for locations adapter:FILE,
// and the adapter schema, which the endpoint recommends to the host with
// the adapter file as its option, so that a directory synced with the
// API classifies its files by the same rules.
package adapter

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/resource-sync/resource-sync/internal/envref"
	"github.com/resource-sync/resource-sync/sdk"
)

// Scheme is the opaque scheme the endpoint claims: adapter:FILE.
const Scheme = "adapter"

// SchemaName is the schema the endpoint recommends.
const SchemaName = "adapter"

// Options are the adapter endpoint's options. Credentials given here (on
// the command line as '${env:NAME}', or in an environment of the config
// file) replace the adapter file's, so one adapter serves several
// instances of an API.
type Options struct {
	BaseURL        string        `option:"base-url" help:"the API's base URL, instead of the adapter file's base_url"`
	Token          string        `option:"token,secret,credential" help:"the adapter's auth value (header, query parameter or bearer token), instead of the file's"`
	Username       string        `option:"username,credential" help:"user name of an adapter with basic auth, instead of the file's"`
	Password       string        `option:"password,secret,credential" help:"password of an adapter with basic auth, instead of the file's"`
	Concurrency    int           `option:"concurrency" default:"4" min:"1" help:"HTTP requests in flight"`
	MaxAttempts    int           `option:"max-attempts" default:"3" min:"1" help:"attempts per idempotent HTTP request"`
	RequestTimeout time.Duration `option:"request-timeout" default:"10m" help:"longest one HTTP request may take, body included"`
	MaxBody        int64         `option:"max-body" default:"67108864" min:"1" help:"largest response body accepted, in bytes"`
	MaxPages       int           `option:"max-pages" default:"100000" min:"1" help:"most pages read from one collection"`
}

// Spec registers the endpoint for adapter:FILE locations.
func Spec() sdk.EndpointSpec {
	return sdk.EndpointSpec{
		Name:             "adapter",
		Summary:          "an HTTP API described by an adapter file (adapter:FILE; see docs/adapters.md)",
		OpaqueSchemes:    []string{Scheme},
		DefaultFormat:    "json",
		ConcurrentWrites: true,
		Options:          (*Options)(nil),
		Open:             Open,
		Implements:       (*Endpoint)(nil),
	}
}

// Plugin is the plugin binary's offer: the endpoint and its schema.
func Plugin() sdk.Plugin {
	return sdk.Plugin{
		Name:      "adapter",
		Version:   "1.0.0",
		Endpoints: []sdk.EndpointSpec{Spec()},
		Schemas: []sdk.SchemaSpec{{
			Name:    SchemaName,
			Summary: "ids, types and references as an adapter file describes them (recommended by adapter:FILE)",
			Schema:  NewSchema(),
		}},
	}
}

var (
	_ sdk.Reader            = (*Endpoint)(nil)
	_ sdk.InventoryExtender = (*Endpoint)(nil)
	_ sdk.Writer            = (*Endpoint)(nil)
	_ sdk.Deleter           = (*Endpoint)(nil)
	_ sdk.Recommender       = (*Endpoint)(nil)
)

// Endpoint is an open adapter location: the API an adapter file
// describes.
type Endpoint struct {
	file   *File
	abs    string // the adapter file's absolute path, for the schema
	base   *url.URL
	opts   Options
	client *client
	log    hclog.Logger

	// held are the items the last inventory found, by collection and id,
	// as read (server-managed fields dropped): an update of a collection
	// that merges sends null for each field to remove.
	mu   sync.Mutex
	held map[string]map[string]map[string]any
	// listed names the collections the current inventory listed, which
	// ExtendInventory does not list again.
	listed map[string]bool
}

// ParseLocation returns the adapter file named by "adapter:FILE".
func ParseLocation(location string) (string, error) {
	scheme, path, ok := strings.Cut(location, ":")
	if !ok || !strings.EqualFold(scheme, Scheme) {
		return "", fmt.Errorf("%s: not an adapter location (want adapter:FILE)", location)
	}
	if path == "" {
		return "", fmt.Errorf("%s: no adapter file named (want adapter:FILE, such as adapter:./acme.yaml)", location)
	}
	return path, nil
}

// Open reads and checks the adapter file and the options; it sends no
// request.
func Open(_ context.Context, req sdk.OpenRequest) (sdk.Endpoint, error) {
	return open(req, sdk.Logger())
}

func open(req sdk.OpenRequest, log hclog.Logger) (*Endpoint, error) {
	path, err := ParseLocation(req.Location)
	if err != nil {
		return nil, err
	}
	f, err := Load(path)
	if err != nil {
		return nil, userError(err)
	}
	e := &Endpoint{file: f, log: log}
	if e.abs, err = filepath.Abs(path); err != nil {
		return nil, err
	}
	if err := req.DecodeOptions(&e.opts); err != nil {
		return nil, err
	}
	base := e.opts.BaseURL
	if base == "" {
		if base, err = envref.Expand(f.BaseURL, nil); err != nil {
			return nil, &sdk.Error{Source: f.Path, Line: f.baseLine, Msg: "base_url: " + err.Error()}
		}
	}
	if err := checkBase(base); err != nil {
		where := &sdk.Error{Source: f.Path, Line: f.baseLine, Msg: "base_url: " + err.Error()}
		if e.opts.BaseURL != "" {
			where = &sdk.Error{Msg: "option base-url: " + err.Error()}
		}
		return nil, where
	}
	e.base, _ = url.Parse(base)
	a, err := e.credentials()
	if err != nil {
		return nil, err
	}
	e.client = newClient(e.opts, a, log)
	return e, nil
}

// credentials are the auth values: the options' when given, else the
// file's, from the environment.
func (e *Endpoint) credentials() (auth, error) {
	fa := e.file.Auth
	if fa == nil {
		if e.opts.Token != "" || e.opts.Username != "" || e.opts.Password != "" {
			return auth{}, &sdk.Error{Source: e.file.Path, Msg: "credentials were given, but the adapter has no auth section to say how to send them"}
		}
		return auth{}, nil
	}
	value := func(opt, inFile, what string) (string, error) {
		if opt != "" {
			return opt, nil
		}
		v, err := envref.Expand(inFile, nil)
		if err != nil {
			return "", &sdk.Error{Source: e.file.Path, Line: fa.Line, Msg: "auth " + what + ": " + err.Error()}
		}
		return v, nil
	}
	a := auth{kind: fa.Type, name: fa.Name}
	var err error
	switch fa.Type {
	case "basic":
		if a.username, err = value(e.opts.Username, fa.Username, "username"); err != nil {
			return a, err
		}
		a.password, err = value(e.opts.Password, fa.Password, "password")
	case "bearer":
		a.value, err = value(e.opts.Token, fa.Value, "token")
	default:
		a.value, err = value(e.opts.Token, fa.Value, "value")
	}
	return a, err
}

// Recommend tells the host to classify with the adapter schema, this
// file and base URL; which fields the server manages and which hold
// secrets; and that the API is a service, which gets secrets in clear.
func (e *Endpoint) Recommend() sdk.Recommendation {
	r := sdk.Recommendation{
		Schema:        SchemaName,
		SchemaOptions: map[string]string{OptionFile: e.abs, OptionBase: e.base.String()},
		Service:       true,
	}
	for _, c := range e.file.Collections {
		for _, f := range c.ServerManaged {
			r.Ignore = append(r.Ignore, sdk.FieldRule{Type: c.Name, Pointer: f.pointer()})
		}
		for _, s := range c.Secrets {
			r.Secrets = append(r.Secrets, sdk.FieldRule{Type: c.Name, Pointer: s.Path.pointer(), Env: s.Env})
		}
	}
	return r
}

// Close releases idle connections.
func (e *Endpoint) Close() error {
	e.client.close()
	return nil
}

// collectionURL is where collection c is listed.
func (e *Endpoint) collectionURL(c *Collection) (*url.URL, error) {
	return resolve(e.base, c.List.expand(c.Name, ""))
}

// itemURL is where item id of c lives.
func (e *Endpoint) itemURL(c *Collection, id string) (*url.URL, error) {
	return resolve(e.base, c.Item.expand(c.Name, id))
}
