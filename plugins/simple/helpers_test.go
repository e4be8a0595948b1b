package simple_test

import (
	"testing"

	"github.com/resource-sync/resource-sync/plugins/simple"
	"github.com/resource-sync/resource-sync/sdk"
)

// found is the part of a resource the rules decide; bodies are checked
// apart.
type found struct {
	ID, Type, URI string
	Parents       []string
}

// input is a test value: JSON written readably, and where it came from.
type input struct {
	json     string
	uri      string
	typeHint string
}

func (in input) value(t testing.TB) sdk.Value {
	t.Helper()
	data, err := sdk.CanonicalJSON([]byte(in.json))
	if err != nil {
		t.Fatalf("bad test JSON %s: %v", in.json, err)
	}
	return sdk.Value{
		JSON:     data,
		Source:   "testdata/posts.yaml",
		Line:     7,
		URI:      in.uri,
		TypeHint: in.typeHint,
		Location: "post/1.yaml",
	}
}

// classify runs the schema and returns what it found, failing on error.
func classify(t *testing.T, in input, mode sdk.Follow) ([]found, []string) {
	t.Helper()
	c, err := simple.Schema{}.Classify(in.value(t), mode)
	if err != nil {
		t.Fatalf("Classify: %v", err)
	}
	var got []found
	for _, r := range c.Resources {
		got = append(got, found{r.ID, r.Type, r.URI, r.Parents})
	}
	return got, c.Links
}
