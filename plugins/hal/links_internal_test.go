package hal

import (
	"slices"
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
)

// FuzzScanLinks checks scanLinks against parseLinks on what encoding/json
// decodes: whatever scanLinks reads, it reads as parseLinks does.
func FuzzScanLinks(f *testing.F) {
	for _, s := range []string{
		`{"self":{"href":"/o/1"}}`,
		`{"next":[{"href":"?p=2"},{"href":"?p=3","title":"x"}],"self":{"href":"a","name":"n"}}`,
		`{"t":{"href":"{x}","templated":true},"u":{"templated":false,"href":"y"}}`,
		`{"t":{"templated":true}}`, `{"x":{"href":null}}`, `{"x":{"href":1}}`, `{"x":{}}`,
		`{"x":[1]}`, `{"x":"y"}`, `{"a\"b":{"href":"c"}}`, `{"x":{"href":"\u00e9"}}`, `{}`, `[]`,
		`{"é":[{"href":"é"},{"href":"/x","templated":true},{"href":"/y"}],"parent:p":{"href":"//h/p"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		canon, err := sdk.CanonicalJSON(data)
		if err != nil || len(canon) == 0 {
			return
		}
		got, ok := scanLinks(canon, "items[0]")
		if !ok {
			return
		}
		raw, err := sdk.UnmarshalJSON(canon)
		if err != nil {
			t.Fatal(err)
		}
		want, err := parseLinks(raw, "items[0]")
		if err != nil {
			t.Fatalf("scanLinks read %s, which parseLinks refuses: %v", canon, err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("scanLinks(%s) = %+v, parseLinks = %+v", canon, got, want)
		}
	})
}
