// Package schematest checks what every schema must guarantee, whatever
// its rules: the schemas' fuzz tests share it.
package schematest

import (
	"bytes"
	"errors"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/resource-sync/resource-sync/sdk"
)

// Seed is a value to start fuzzing from: its JSON, the uri it was fetched
// from and the type its place implies.
type Seed struct {
	JSON, URI, Hint string
}

// Fuzz classifies any JSON object with schema, under every follow mode,
// and checks what must always hold: no panic, errors are *sdk.Error at
// the value's source, every resource has an id and a type and a
// canonical body, every link is absolute, and a second run gives the same
// answer.
func Fuzz(f *testing.F, schema sdk.Schema, seeds []Seed) {
	for _, s := range seeds {
		f.Add([]byte(s.JSON), s.URI, s.Hint, uint8(sdk.FollowAll))
	}
	f.Fuzz(func(t *testing.T, data []byte, uri, hint string, mode uint8) {
		canonical, err := sdk.CanonicalJSON(data)
		if err != nil || canonical[0] != '{' {
			return
		}
		if _, err := url.Parse(uri); err != nil {
			return // endpoints hand over the uris they fetched
		}
		v := sdk.Value{JSON: canonical, Source: "fuzz.json", Line: 3, URI: uri, TypeHint: hint, Location: "loc"}
		c, err := schema.Classify(v, sdk.Follow(mode%5))
		if err != nil {
			var e *sdk.Error
			if !errors.As(err, &e) || e.Source != v.Source || e.Line != v.Line || e.Msg == "" {
				t.Fatalf("error %#v is not an *sdk.Error at the value's source", err)
			}
			return
		}
		for _, r := range c.Resources {
			if r.ID == "" || r.Type == "" {
				t.Errorf("resource without id or type: %+v", r)
			}
			if r.Source != v.Source || r.Line != v.Line || r.Location != v.Location {
				t.Errorf("resource %q does not carry the value's source", r.ID)
			}
			if again, err := sdk.CanonicalJSON(r.JSON); err != nil || !bytes.Equal(again, r.JSON) {
				t.Errorf("resource %q body is not canonical JSON: %s", r.ID, r.JSON)
			}
		}
		for _, l := range c.Links {
			if u, err := url.Parse(l); err != nil || u.Scheme == "" || u.Host == "" {
				t.Errorf("link %q is not absolute", l)
			}
		}
		again, err := schema.Classify(v, sdk.Follow(mode%5))
		if err != nil {
			t.Fatalf("second run failed: %v", err)
		}
		if diff := cmp.Diff(c, again); diff != "" {
			t.Errorf("second run differs:\n%s", diff)
		}
	})
}
