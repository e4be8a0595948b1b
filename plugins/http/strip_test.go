package http

import (
	"bytes"
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
)

func TestWithoutLinks(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"_links":{"self":{"href":"x"}},"id":"1"}`, `{"id":"1"}`},
		{`{"_embedded":{"a":[1]},"_links":{},"id":"1","z":[{"_links":1}]}`, `{"id":"1","z":[{"_links":1}]}`},
		{`{"_links":null}`, `{}`},
		{`{"a":"_links","b":{"_links":2}}`, ``}, // nested and in values: kept
		{`{"a\"_links":1,"_linksx":2}`, ``},
		{`{}`, ``},
	} {
		got, ok := withoutLinks([]byte(c.in))
		if !ok || string(got) != c.want {
			t.Errorf("withoutLinks(%s) = %s, %v; want %s", c.in, got, ok, c.want)
		}
	}
	// Not canonical: left to the decoding path.
	for _, in := range []string{`[]`, `{"_links": 1}`, `{ "a":1}`, `{"a":1,}`, `{"a":1}x`, `{"a"}`, `"x"`, `{`} {
		if _, ok := withoutLinks([]byte(in)); ok {
			t.Errorf("withoutLinks(%s) scanned it as canonical", in)
		}
	}
}

// FuzzWithoutLinks compares cutting the members out of canonical bytes
// with decoding, deleting and encoding again.
func FuzzWithoutLinks(f *testing.F) {
	for _, s := range []string{
		`{"_links":{"self":{"href":"x"}},"id":"1"}`,
		`{"_embedded":{"items":[{"_links":{}}]},"_links":{"next":{"href":"?page=2"}},"n":1.50,"s":"a\"}b"}`,
		`{"a":[],"b":{},"c":null,"d":true,"e":-0.5e10}`,
		`{"\u005flinks":1,"x":"\u00e9"}`,
		`[{"_links":1}]`, `"_links"`, `{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		canon, err := sdk.CanonicalJSON(data)
		if err != nil {
			return
		}
		got, ok := withoutLinks(canon)
		if !ok {
			if canon[0] == '{' {
				t.Fatalf("canonical object %s not scanned", canon)
			}
			return
		}
		if want := withoutLinksDecoded(canon); !bytes.Equal(got, want) {
			t.Fatalf("withoutLinks(%s)\n = %s\nwant %s", canon, got, want)
		}
	})
}

func BenchmarkWithoutLinks(b *testing.B) {
	order := []byte(`{"_links":{"self":{"href":"http://localhost/api/v1/order/o00042"}},"customer":"c0042","id":"o00042","lines":[{"quantity":3,"sku":"BOOK-o00042"}],"note":"` +
		string(bytes.Repeat([]byte("Resources of about one kibibyte, as an API would serve them. "), 12)) + `","status":"placed","total":42.42}`)
	b.Run("cut", func(b *testing.B) {
		for b.Loop() {
			withoutLinks(order)
		}
	})
	b.Run("decoded", func(b *testing.B) {
		for b.Loop() {
			withoutLinksDecoded(order)
		}
	})
}
