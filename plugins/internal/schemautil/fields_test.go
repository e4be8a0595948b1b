package schemautil

import (
	"encoding/json"
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
)

func TestStringAndList(t *testing.T) {
	t.Parallel()
	doc := map[string]any{"s": "v", "n": nil, "l": []any{"a"}, "num": json.Number("2")}
	if s, err := String(doc, "s", "p"); s != "v" || err != nil {
		t.Errorf("String(s) = %q, %v", s, err)
	}
	for _, key := range []string{"n", "absent"} {
		if s, err := String(doc, key, "p"); s != "" || err != nil {
			t.Errorf("String(%s) = %q, %v; want empty", key, s, err)
		}
		if l, ok, err := List(doc, key, "p"); l != nil || ok || err != nil {
			t.Errorf("List(%s) = %v, %v, %v; want nothing", key, l, ok, err)
		}
	}
	if _, err := String(doc, "num", "p"); errText(err) != "p.num is a number, want a string" {
		t.Errorf("String(num) error = %v", err)
	}
	if l, ok, err := List(doc, "l", ""); len(l) != 1 || !ok || err != nil {
		t.Errorf("List(l) = %v, %v, %v", l, ok, err)
	}
	if _, _, err := List(doc, "s", ""); errText(err) != "s is a string, want a list" {
		t.Errorf("List(s) error = %v", err)
	}
}

func TestDecodeAndResource(t *testing.T) {
	t.Parallel()
	v := sdk.Value{JSON: []byte(`{"a":[1,2.50],"id":"x"}`), Source: "f.yaml", Line: 4, Location: "t/x.yaml"}
	doc, err := Decode(v)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewResource(v, "x", "t", "u", []string{"p"}, doc)
	if err != nil {
		t.Fatal(err)
	}
	if string(r.JSON) != string(v.JSON) || r.Source != "f.yaml" || r.Line != 4 || r.Location != "t/x.yaml" || r.ID != "x" || r.Type != "t" || r.URI != "u" || len(r.Parents) != 1 {
		t.Errorf("NewResource = %+v", r)
	}
	for in, want := range map[string]string{
		`[1]`:   "f.yaml:4: document is not a mapping: found a list",
		`"s"`:   "f.yaml:4: document is not a mapping: found a string",
		`{"a":`: "f.yaml:4: invalid JSON: unexpected EOF",
	} {
		bad := v
		bad.JSON = []byte(in)
		_, err := Decode(bad)
		if err == nil {
			t.Errorf("Decode(%s) succeeded", in)
			continue
		}
		if got := InputError(bad, err).Error(); got != want {
			t.Errorf("Decode(%s): %q, want %q", in, got, want)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
