package notify

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// seedFile is the seed's resource and subscription, as a subscriptions file.
const seedFile = `resources:
  users:
    endpoint: http://api.company.com/users/{id}
    change:
      field: updatedAt
      format: "2006-01-02T15:04:05Z07:00"
    subscriptions:
      wishlist:
        endpoint:
          url: http://api.company.com/wishlist/{id}
          method: post
          headers:
            Authorization: ["${env:WISHLIST_AUTH}"]
            X-Service: users
          actions:
            delete:
              method: delete
        delivery:
          success: [200]
          discard: [500]
        content:
          envelope: true
          document: true
        data:
          service: user
          id: "{id}"
`

func testEnv(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

func TestParseConfigSeed(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig("subs.yaml", []byte(seedFile), testEnv(map[string]string{"WISHLIST_AUTH": "Basic c2VjcmV0"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Resources) != 1 || len(cfg.Resources[0].Subscriptions) != 1 {
		t.Fatalf("want one resource with one subscription, got %+v", cfg.Resources)
	}
	r := cfg.Resources[0]
	if r.Name != "users" || r.Endpoint.String() != "http://api.company.com/users/{id}" {
		t.Errorf("resource = %s %s", r.Name, r.Endpoint)
	}
	if want := (ChangeField{Field: "updatedAt", Layout: "2006-01-02T15:04:05Z07:00"}); r.Change != want {
		t.Errorf("change = %+v, want %+v", r.Change, want)
	}
	s := r.Subscriptions[0]
	if s.ID() != "users/wishlist" {
		t.Errorf("ID = %q", s.ID())
	}
	header := http.Header{"Authorization": {"Basic c2VjcmV0"}, "X-Service": {"users"}}
	want := map[Action]Target{
		ActionCreate: {URL: "http://api.company.com/wishlist/{id}", Method: "POST", Header: header},
		ActionUpdate: {URL: "http://api.company.com/wishlist/{id}", Method: "POST", Header: header},
		ActionDelete: {URL: "http://api.company.com/wishlist/{id}", Method: "DELETE", Header: header},
	}
	if diff := cmp.Diff(want, s.Targets); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{200}, s.Success); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff([]int{500}, s.Discard); diff != "" {
		t.Error(diff)
	}
	if !s.Envelope || !s.Document {
		t.Errorf("content = envelope %v document %v", s.Envelope, s.Document)
	}
	if diff := cmp.Diff(map[string]any{"service": "user", "id": "{id}"}, s.Data); diff != "" {
		t.Error(diff)
	}
}

func TestParseConfigDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig("subs.yaml", []byte(`resources:
  orders:
    endpoint: https://shop.example/api/{tenant}/orders/{id}.json
    change: {field: revision}
    subscriptions:
      audit:
        endpoint: {url: "https://audit.example/in?token=${env:AUDIT_TOKEN}"}
  things:
    endpoint: http://h/things/{id}
`), testEnv(map[string]string{"AUDIT_TOKEN": "t0k"}))
	if err != nil {
		t.Fatal(err)
	}
	orders := cfg.Resources[0]
	if orders.Change != (ChangeField{Field: "revision"}) {
		t.Errorf("an integer change field: %+v", orders.Change)
	}
	s := orders.Subscriptions[0]
	if s.Targets[ActionUpdate].Method != "POST" || s.Targets[ActionUpdate].URL != "https://audit.example/in?token=t0k" {
		t.Errorf("target = %+v", s.Targets[ActionUpdate])
	}
	if len(s.Success) != 100 || s.Success[0] != 200 || s.Success[99] != 299 || s.Discard != nil {
		t.Errorf("default codes: success %v discard %v", s.Success, s.Discard)
	}
	if s.Envelope || !s.Document {
		t.Errorf("default content: envelope %v document %v", s.Envelope, s.Document)
	}
	if cfg.Resources[1].Change != (ChangeField{}) || cfg.Resources[1].Subscriptions != nil {
		t.Errorf("things: %+v", cfg.Resources[1])
	}
}

func TestParseConfigErrors(t *testing.T) {
	t.Parallel()
	env := testEnv(map[string]string{"SECRET": "hunter2"})
	tests := map[string]struct{ in, want string }{
		"empty":             {"", "subs.yaml: empty subscriptions file"},
		"not yaml":          {"resources: [", "subs.yaml:1: did not find expected node content"},
		"unknown top field": {"resource: {}\n", `subs.yaml:1: unknown field "resource" in the file (known: resources)`},
		"no resources":      {"resources: {}\n", "subs.yaml:1: no resources"},
		"bad name":          {"resources:\n  a.b:\n    endpoint: http://h/{id}\n", `subs.yaml:2: name "a.b" in resources`},
		"no endpoint":       {"resources:\n  users: {}\n", "subs.yaml:2: resource users has no endpoint"},
		"unknown resource field": {"resources:\n  users:\n    endpoint: http://h/{id}\n    endpiont: x\n",
			`subs.yaml:4: unknown field "endpiont" in resource users (known: change, endpoint, subscriptions)`},
		"relative pattern":     {"resources:\n  u:\n    endpoint: /users/{id}\n", `subs.yaml:3: endpoint "/users/{id}" is not an absolute http or https URL`},
		"unclosed wildcard":    {"resources:\n  u:\n    endpoint: http://h/users/{id\n", `subs.yaml:3: endpoint "http://h/users/{id": unclosed {`},
		"bad wildcard name":    {"resources:\n  u:\n    endpoint: http://h/users/{a-b}\n", "subs.yaml:3: endpoint \"http://h/users/{a-b}\": wildcard {a-b} must be a name"},
		"twice":                {"resources:\n  u:\n    endpoint: http://h/{id}/{id}\n", "wildcard {id} appears twice"},
		"touching":             {"resources:\n  u:\n    endpoint: http://h/{a}{b}\n", "touch"},
		"host wildcard":        {"resources:\n  u:\n    endpoint: http://{tenant}.h/x/{id}\n", "the scheme and host cannot hold wildcards"},
		"bad layout":           {"resources:\n  u:\n    endpoint: http://h/{id}\n    change: {field: at, format: nonsense}\n", `subs.yaml:4: change.format "nonsense" is not a Go time layout`},
		"time only layout":     {"resources:\n  u:\n    endpoint: http://h/{id}\n    change: {field: at, format: \"15:04\"}\n", "is not a Go time layout with a date"},
		"format without field": {"resources:\n  u:\n    endpoint: http://h/{id}\n    change: {format: RFC3339}\n", "change.format needs change.field"},
		"no url":               {"resources:\n  u:\n    endpoint: http://h/{id}\n    subscriptions:\n      s: {}\n", "subs.yaml:5: subscription u/s has no endpoint.url"},
		"unknown wildcard in url": {"resources:\n  u:\n    endpoint: http://h/{id}\n    subscriptions:\n      s:\n        endpoint: {url: 'http://c/{user}'}\n",
			"subs.yaml:6: url: {user} is not a wildcard of the resource endpoint (it has {id})"},
		"bad method": {"resources:\n  u:\n    endpoint: http://h/{id}\n    subscriptions:\n      s:\n        endpoint: {url: 'http://c/', method: fetch}\n", `subs.yaml:6: method "fetch"`},
		"unknown action": {"resources:\n  u:\n    endpoint: http://h/{id}\n    subscriptions:\n      s:\n        endpoint:\n          url: http://c/\n          actions:\n            upsert: {method: put}\n",
			`subs.yaml:9: unknown field "upsert" in subscription u/s endpoint.actions (known: create, delete, update)`},
		"unknown override field": {"resources:\n  u:\n    endpoint: http://h/{id}\n    subscriptions:\n      s:\n        endpoint:\n          url: http://c/\n          actions:\n            delete: {verb: delete}\n",
			`subs.yaml:9: unknown field "verb" in subscription u/s endpoint.actions.delete (known: headers, method, url)`},
		"inline secret": {"resources:\n  u:\n    endpoint: http://h/{id}\n    subscriptions:\n      s:\n        endpoint:\n          url: http://c/\n          headers: {Authorization: Bearer abc}\n",
			"subs.yaml:8: header Authorization holds a secret written inline; take it from the environment with ${env:NAME}"},
		"inline api key": {"resources:\n  u:\n    endpoint: http://h/{id}\n    subscriptions:\n      s:\n        endpoint:\n          url: http://c/\n          headers: {X-Api-Key: [abc]}\n",
			"subs.yaml:8: header X-Api-Key holds a secret written inline"},
		"inline userinfo": {"resources:\n  u:\n    endpoint: http://h/{id}\n    subscriptions:\n      s:\n        endpoint: {url: 'http://me:pw@c/'}\n",
			"subs.yaml:6: url carries credentials inline"},
		"unset env": {"resources:\n  u:\n    endpoint: http://h/{id}\n    subscriptions:\n      s:\n        endpoint:\n          url: http://c/\n          headers: {Authorization: '${env:NOPE}'}\n",
			"subs.yaml:8: header Authorization: environment variable NOPE is not set"},
		"bad code": {"resources:\n  u:\n    endpoint: http://h/{id}\n    subscriptions:\n      s:\n        endpoint: {url: 'http://c/'}\n        delivery: {success: [200, ok]}\n",
			`subs.yaml:7: delivery.success: "ok" is not an HTTP status code`},
		"code in both lists": {"resources:\n  u:\n    endpoint: http://h/{id}\n    subscriptions:\n      s:\n        endpoint: {url: 'http://c/'}\n        delivery: {success: [200], discard: [200]}\n",
			"status 200 is both a success and a discard code"},
		"data without envelope": {"resources:\n  u:\n    endpoint: http://h/{id}\n    subscriptions:\n      s:\n        endpoint: {url: 'http://c/'}\n        data: {a: b}\n",
			"subs.yaml:7: subscription u/s: data is sent only inside an envelope; set content.envelope: true"},
		"unknown wildcard in data": {"resources:\n  u:\n    endpoint: http://h/{id}\n    subscriptions:\n      s:\n        endpoint: {url: 'http://c/'}\n        content: {envelope: true}\n        data:\n          who: '{name}'\n",
			"subs.yaml:9: data: {name} is not a wildcard"},
		"envelope not bool": {"resources:\n  u:\n    endpoint: http://h/{id}\n    subscriptions:\n      s:\n        endpoint: {url: 'http://c/'}\n        content: {envelope: 'yes'}\n",
			"subs.yaml:7: content.envelope must be true or false"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseConfig("subs.yaml", []byte(tc.in), env)
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error shows a secret: %q", err)
			}
		})
	}
}

func TestParseConfigNeverShowsSecrets(t *testing.T) {
	t.Parallel()
	// A secret from the environment that breaks the header must not be echoed.
	in := "resources:\n  u:\n    endpoint: http://h/{id}\n    subscriptions:\n      s:\n        endpoint:\n          url: http://c/\n          headers: {Authorization: '${env:SECRET}'}\n"
	_, err := ParseConfig("subs.yaml", []byte(in), testEnv(map[string]string{"SECRET": "hunter2\nX-Evil: 1"}))
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "subs.yaml:8: header Authorization: value holds a line break") {
		t.Fatalf("error = %v", err)
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "nope.yaml")
	if _, err := LoadConfig(path); !os.IsNotExist(err) {
		t.Fatalf("err = %v, want not exist", err)
	}
}

// TestExampleFile keeps examples/notify/subscriptions.yaml valid.
func TestExampleFile(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", "notify", "subscriptions.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig("subscriptions.yaml", data, testEnv(map[string]string{"WISHLIST_AUTH": "Basic x"}))
	if err != nil {
		t.Fatal(err)
	}
	if s := cfg.Resources[0].Subscriptions[0]; s.ID() != "users/wishlist" || s.Targets[ActionDelete].Method != "DELETE" {
		t.Errorf("parsed %+v", s)
	}
}
