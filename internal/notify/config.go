package notify

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is a subscriptions file: the resources to watch and who to tell
// when one of their documents changes.
type Config struct {
	File      string
	Resources []*Resource
}

// Resource is the seed's resource: documents whose uri matches Endpoint,
// versioned by Change.
type Resource struct {
	Name          string
	Endpoint      *Pattern
	Change        ChangeField
	Subscriptions []*Subscription
}

// ChangeField says where a document's version is. With no Field the version
// is the document's SHA-256 fingerprint (any other document is newer); with
// a Layout the field holds a date in that time layout; otherwise an
// increasing integer.
type ChangeField struct {
	Field  string
	Layout string
}

// Subscription is one client to notify about a resource's changes.
type Subscription struct {
	Name     string // unique within its resource
	Resource *Resource
	// Targets is where each action is sent: the endpoint with that action's
	// overrides applied.
	Targets map[Action]Target
	// Success and Discard are the status codes that mark a notification
	// delivered or dropped; any other answer (or none) is retried.
	Success, Discard []int
	Envelope         bool // send {action, resource, version, time, document, data}
	Document         bool // include the document
	// Data is sent in the envelope, its strings interpolated with the
	// resource's wildcards.
	Data any
}

// ID names the subscription across the system: "resource/subscription".
func (s *Subscription) ID() string { return s.Resource.Name + "/" + s.Name }

// Target is one webhook: URL (which may hold the resource's {wildcards}),
// method and headers, environment variables already expanded.
type Target struct {
	URL    string
	Method string
	Header http.Header
}

// LoadConfig reads and checks a subscriptions file. Every mistake is
// reported with the file and line; secret values never appear in errors.
func LoadConfig(file string) (*Config, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return ParseConfig(file, data, os.LookupEnv)
}

// ParseConfig is LoadConfig on bytes; lookupEnv resolves ${env:NAME}.
func ParseConfig(file string, data []byte, lookupEnv func(string) (string, bool)) (*Config, error) {
	d := &decoder{file: file, lookupEnv: lookupEnv}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, d.yamlError(err)
	}
	cfg := &Config{File: file}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: empty subscriptions file: want a resources: mapping", file)
	}
	root := doc.Content[0]
	err := d.fields(root, "the file", map[string]func(*yaml.Node) error{
		"resources": func(n *yaml.Node) error {
			return d.named(n, "resources", func(name string, key, value *yaml.Node) error {
				r, err := d.resource(name, key, value)
				if err != nil {
					return err
				}
				cfg.Resources = append(cfg.Resources, r)
				return nil
			})
		},
	})
	if err != nil {
		return nil, err
	}
	if len(cfg.Resources) == 0 {
		return nil, d.errorf(root, "no resources")
	}
	return cfg, nil
}

type decoder struct {
	file      string
	lookupEnv func(string) (string, bool)
}

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", d.file, n.Line, fmt.Sprintf(format, args...))
}

// yamlError turns yaml's "yaml: line 3: ..." into "file:3: ...".
func (d *decoder) yamlError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ": "); ok {
			return fmt.Errorf("%s:%s: %s", d.file, n, after)
		}
	}
	return fmt.Errorf("%s: %s", d.file, msg)
}

// fields walks a mapping whose keys must all be known.
func (d *decoder) fields(n *yaml.Node, what string, known map[string]func(*yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return d.errorf(n, "%s must be a mapping", what)
	}
	for i := 0; i < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		fn, ok := known[key.Value]
		if !ok {
			names := make([]string, 0, len(known))
			for k := range known {
				names = append(names, k)
			}
			slices.Sort(names)
			return d.errorf(key, "unknown field %q in %s (known: %s)", key.Value, what, strings.Join(names, ", "))
		}
		if err := fn(value); err != nil {
			return err
		}
	}
	return nil
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*$`)

// named walks a mapping of names (resources, subscriptions) to bodies.
func (d *decoder) named(n *yaml.Node, what string, each func(name string, key, value *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return d.errorf(n, "%s must be a mapping of names", what)
	}
	for i := 0; i < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		if !nameRE.MatchString(key.Value) {
			return d.errorf(key, "name %q in %s: use letters, digits and -, starting with a letter or digit", key.Value, what)
		}
		if err := each(key.Value, key, value); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) str(n *yaml.Node, what string, into *string) error {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		return d.errorf(n, "%s must be a string", what)
	}
	*into = n.Value
	return nil
}

func (d *decoder) boolean(n *yaml.Node, what string, into *bool) error {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		return d.errorf(n, "%s must be true or false", what)
	}
	return n.Decode(into)
}

func (d *decoder) codes(n *yaml.Node, what string, into *[]int) error {
	if n.Kind != yaml.SequenceNode {
		return d.errorf(n, "%s must be a list of HTTP status codes", what)
	}
	for _, c := range n.Content {
		code, err := strconv.Atoi(c.Value)
		if c.Kind != yaml.ScalarNode || c.Tag != "!!int" || err != nil || code < 100 || code > 599 {
			return d.errorf(c, "%s: %q is not an HTTP status code (100-599)", what, c.Value)
		}
		*into = append(*into, code)
	}
	return nil
}

func (d *decoder) resource(name string, key, n *yaml.Node) (*Resource, error) {
	r := &Resource{Name: name}
	var endpointNode *yaml.Node
	var subsNode *yaml.Node
	what := "resource " + name
	err := d.fields(n, what, map[string]func(*yaml.Node) error{
		"endpoint": func(v *yaml.Node) error {
			var text string
			if err := d.str(v, "endpoint", &text); err != nil {
				return err
			}
			p, err := ParsePattern(text)
			if err != nil {
				return d.errorf(v, "%v", err)
			}
			r.Endpoint, endpointNode = p, v
			return nil
		},
		"change": func(v *yaml.Node) error {
			return d.fields(v, what+" change", map[string]func(*yaml.Node) error{
				"field": func(v *yaml.Node) error { return d.str(v, "change.field", &r.Change.Field) },
				"format": func(v *yaml.Node) error {
					if err := d.str(v, "change.format", &r.Change.Layout); err != nil {
						return err
					}
					layout, err := timeLayout(r.Change.Layout)
					if err != nil {
						return d.errorf(v, "%v", err)
					}
					r.Change.Layout = layout
					return nil
				},
			})
		},
		"subscriptions": func(v *yaml.Node) error { subsNode = v; return nil },
	})
	if err != nil {
		return nil, err
	}
	if endpointNode == nil {
		return nil, d.errorf(key, "resource %s has no endpoint", name)
	}
	if r.Change.Layout != "" && r.Change.Field == "" {
		return nil, d.errorf(n, "resource %s: change.format needs change.field", name)
	}
	if subsNode != nil {
		err := d.named(subsNode, what+" subscriptions", func(sub string, key, value *yaml.Node) error {
			s, err := d.subscription(r, sub, key, value)
			if err != nil {
				return err
			}
			r.Subscriptions = append(r.Subscriptions, s)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return r, nil
}

var namedLayouts = map[string]string{
	"RFC3339": time.RFC3339, "RFC3339Nano": time.RFC3339Nano, "RFC1123": time.RFC1123,
	"RFC1123Z": time.RFC1123Z, "DateTime": time.DateTime, "DateOnly": time.DateOnly,
}

// timeLayout checks a Go time layout (or the name of a standard one): it
// must describe at least a date and read back what it writes.
func timeLayout(layout string) (string, error) {
	if l, ok := namedLayouts[layout]; ok {
		layout = l
	}
	sample := time.Date(2009, 11, 10, 23, 4, 5, 0, time.UTC)
	text := sample.Format(layout)
	parsed, err := time.Parse(layout, text)
	if err != nil || parsed.Year() != 2009 || parsed.YearDay() != sample.YearDay() {
		return "", fmt.Errorf("change.format %q is not a Go time layout with a date (for example 2006-01-02T15:04:05Z07:00 or RFC3339)", layout)
	}
	return layout, nil
}

var actions = []Action{ActionCreate, ActionUpdate, ActionDelete}

func (d *decoder) subscription(r *Resource, name string, key, n *yaml.Node) (*Subscription, error) {
	s := &Subscription{Name: name, Resource: r, Document: true, Targets: map[Action]Target{}}
	what := "subscription " + r.Name + "/" + name
	var base Target
	var baseNode *yaml.Node
	overrides := map[Action]*yaml.Node{}
	var dataNode, envelopeNode *yaml.Node
	err := d.fields(n, what, map[string]func(*yaml.Node) error{
		"endpoint": func(v *yaml.Node) error {
			baseNode = v
			return d.target(v, r, what+" endpoint", &base, func(v *yaml.Node) error {
				return d.fields(v, what+" endpoint.actions", map[string]func(*yaml.Node) error{
					"create": func(v *yaml.Node) error { overrides[ActionCreate] = v; return nil },
					"update": func(v *yaml.Node) error { overrides[ActionUpdate] = v; return nil },
					"delete": func(v *yaml.Node) error { overrides[ActionDelete] = v; return nil },
				})
			})
		},
		"delivery": func(v *yaml.Node) error {
			return d.fields(v, what+" delivery", map[string]func(*yaml.Node) error{
				"success": func(v *yaml.Node) error { return d.codes(v, "delivery.success", &s.Success) },
				"discard": func(v *yaml.Node) error { return d.codes(v, "delivery.discard", &s.Discard) },
			})
		},
		"content": func(v *yaml.Node) error {
			return d.fields(v, what+" content", map[string]func(*yaml.Node) error{
				"envelope": func(v *yaml.Node) error { envelopeNode = v; return d.boolean(v, "content.envelope", &s.Envelope) },
				"document": func(v *yaml.Node) error { return d.boolean(v, "content.document", &s.Document) },
			})
		},
		"data": func(v *yaml.Node) error { dataNode = v; return nil },
	})
	if err != nil {
		return nil, err
	}
	if baseNode == nil || base.URL == "" {
		return nil, d.errorf(key, "%s has no endpoint.url", what)
	}
	if base.Method == "" {
		base.Method = http.MethodPost
	}
	for _, a := range actions {
		t := Target{URL: base.URL, Method: base.Method, Header: base.Header.Clone()}
		if o := overrides[a]; o != nil {
			var over Target
			if err := d.target(o, r, what+" endpoint.actions."+string(a), &over, nil); err != nil {
				return nil, err
			}
			if over.URL != "" {
				t.URL = over.URL
			}
			if over.Method != "" {
				t.Method = over.Method
			}
			for k, v := range over.Header {
				t.Header[k] = v
			}
		}
		s.Targets[a] = t
	}
	if len(s.Success) == 0 {
		for c := 200; c < 300; c++ {
			s.Success = append(s.Success, c)
		}
	}
	for _, c := range s.Discard {
		if slices.Contains(s.Success, c) {
			return nil, d.errorf(n, "%s: status %d is both a success and a discard code", what, c)
		}
	}
	if dataNode != nil {
		if !s.Envelope {
			where := dataNode
			if envelopeNode != nil {
				where = envelopeNode
			}
			return nil, d.errorf(where, "%s: data is sent only inside an envelope; set content.envelope: true", what)
		}
		data, err := d.data(dataNode, r)
		if err != nil {
			return nil, err
		}
		s.Data = data
	}
	return s, nil
}

var methods = []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodGet}

// target reads url, method, headers and (when actionsField is not nil)
// actions.
func (d *decoder) target(n *yaml.Node, r *Resource, what string, t *Target, actionsField func(*yaml.Node) error) error {
	known := map[string]func(*yaml.Node) error{
		"url": func(v *yaml.Node) error {
			var raw string
			if err := d.str(v, "url", &raw); err != nil {
				return err
			}
			expanded, _, err := d.expand(raw)
			if err != nil {
				return d.errorf(v, "url: %v", err)
			}
			if err := checkPlaceholders(raw, r.Endpoint.Wildcards()); err != nil {
				return d.errorf(v, "url: %v", err)
			}
			u, err := url.Parse(placeholder.ReplaceAllString(expanded, "x"))
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return d.errorf(v, "url is not an absolute http or https URL")
			}
			if u.User != nil && !strings.Contains(raw, "${env:") {
				return d.errorf(v, "url carries credentials inline; take them from the environment with ${env:NAME}")
			}
			t.URL = expanded
			return nil
		},
		"method": func(v *yaml.Node) error {
			var m string
			if err := d.str(v, "method", &m); err != nil {
				return err
			}
			t.Method = strings.ToUpper(m)
			if !slices.Contains(methods, t.Method) {
				return d.errorf(v, "method %q: want one of %s", m, strings.ToLower(strings.Join(methods, ", ")))
			}
			return nil
		},
		"headers": func(v *yaml.Node) error { return d.headers(v, t) },
	}
	if actionsField != nil {
		known["actions"] = actionsField
	}
	return d.fields(n, what, known)
}

// sensitiveHeader tells whether a header holds a secret, which must come
// from the environment rather than be written in the file.
func sensitiveHeader(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "authorization", "proxy-authorization", "cookie":
		return true
	}
	for _, w := range []string{"token", "secret", "key", "password", "auth", "signature"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

func (d *decoder) headers(n *yaml.Node, t *Target) error {
	if n.Kind != yaml.MappingNode {
		return d.errorf(n, "headers must be a mapping of names to a value or a list of values")
	}
	t.Header = http.Header{}
	for i := 0; i < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		name := http.CanonicalHeaderKey(key.Value)
		if key.Value == "" || strings.ContainsAny(key.Value, " :\r\n") {
			return d.errorf(key, "%q is not a header name", key.Value)
		}
		items := []*yaml.Node{value}
		if value.Kind == yaml.SequenceNode {
			items = value.Content
		}
		for _, item := range items {
			var raw string
			if err := d.str(item, "header "+name, &raw); err != nil {
				return err
			}
			expanded, fromEnv, err := d.expand(raw)
			if err != nil {
				return d.errorf(item, "header %s: %v", name, err)
			}
			if sensitiveHeader(name) && !fromEnv {
				return d.errorf(item, "header %s holds a secret written inline; take it from the environment with ${env:NAME}", name)
			}
			if strings.ContainsAny(expanded, "\r\n") {
				return d.errorf(item, "header %s: value holds a line break", name)
			}
			t.Header.Add(name, expanded)
		}
	}
	return nil
}

var (
	envRef  = regexp.MustCompile(`\$\{env:([^}]*)\}`)
	envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// expand replaces ${env:NAME}; fromEnv tells whether s used any. Errors
// name the variable, never a value.
func (d *decoder) expand(s string) (expanded string, fromEnv bool, err error) {
	expanded = envRef.ReplaceAllStringFunc(s, func(m string) string {
		name := envRef.FindStringSubmatch(m)[1]
		fromEnv = true
		if err != nil {
			return ""
		}
		if !envName.MatchString(name) {
			err = fmt.Errorf("${env:%s}: not a variable name", name)
			return ""
		}
		v, ok := d.lookupEnv(name)
		if !ok {
			err = fmt.Errorf("environment variable %s is not set", name)
		}
		return v
	})
	if err != nil {
		return "", false, err
	}
	return expanded, fromEnv, nil
}

// data decodes the data tree, checking every {wildcard} in its strings.
func (d *decoder) data(n *yaml.Node, r *Resource) (any, error) {
	var walk func(n *yaml.Node) error
	walk = func(n *yaml.Node) error {
		switch n.Kind {
		case yaml.ScalarNode:
			if n.Tag == "!!str" {
				if err := checkPlaceholders(n.Value, r.Endpoint.Wildcards()); err != nil {
					return d.errorf(n, "data: %v", err)
				}
			}
		case yaml.AliasNode:
			return d.errorf(n, "data: aliases are not supported")
		}
		for _, c := range n.Content {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(n); err != nil {
		return nil, err
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, d.errorf(n, "data: %v", err)
	}
	return v, nil
}
