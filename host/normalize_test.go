package host

import (
	"bytes"
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
)

func TestDropTopLevelMatchesAFullParse(t *testing.T) {
	n, _ := newNormalizer(nil)
	for _, in := range []string{
		`{}`,
		`{"_links":{"self":{"href":"x"}}}`,
		`{"_embedded":{"a":[{"_links":1}]},"_links":{"self":{"href":"x\"}"}},"id":"a","z":[1,{"b":"}"}]}`,
		`{"a":"\\","_links":null,"b":-1.5e3,"c":true}`,
		`{"_linksx":1,"id":"a"}`,
		`{"id":"a","n":123456789012345678901234567890}`,
	} {
		got, ok := dropTopLevel(nil, []byte(in), envelope)
		want, err := n.normalize("t", []byte(in))
		if !ok || err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: dropTopLevel = %s (%v), full parse = %s (%v)", in, got, ok, want, err)
		}
	}
	for _, bad := range []string{``, `[]`, `{"a"}`, `{"a":1,}`, `"x"`} {
		if _, ok := dropTopLevel(nil, []byte(bad), envelope); ok {
			t.Errorf("%q: accepted", bad)
		}
	}
}

func FuzzDropTopLevel(f *testing.F) {
	f.Add([]byte(`{"_links":{"self":{"href":"x"}},"id":"a"}`))
	f.Add([]byte(`{"_embedded":[1,"]"],"b":{"c":"\\\""}}`))
	n, _ := newNormalizer(nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		canon, err := sdk.CanonicalJSON(data)
		if err != nil {
			return
		}
		want, err := n.normalize("t", canon)
		if err != nil {
			return
		}
		got, ok := dropTopLevel(nil, canon, envelope)
		if ok && !bytes.Equal(got, want) {
			t.Fatalf("%s: dropTopLevel = %s, full parse = %s", canon, got, want)
		}
		if !ok && canon[0] == '{' {
			t.Fatalf("%s: refused a canonical object", canon)
		}
	})
}
