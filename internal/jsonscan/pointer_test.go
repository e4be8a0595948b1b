package jsonscan

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
)

func TestPointerTokens(t *testing.T) {
	for p, want := range map[string][]string{
		"":                  nil,
		"/_links/next/href": {"_links", "next", "href"},
		"/a~1b/c~0d/~01":    {"a/b", "c~d", "~1"},
		"/":                 {""},
	} {
		got, err := PointerTokens(p)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("PointerTokens(%q) = %q, %v; want %q", p, got, err, want)
		}
	}
	for _, p := range []string{"a/b", "/a~", "/a~2"} {
		if _, err := PointerTokens(p); err == nil {
			t.Errorf("PointerTokens(%q) accepted it", p)
		}
	}
}

func TestPointer(t *testing.T) {
	doc := []byte(` { "items" : [ {"id":1} , {"id":"two"} ],
		"_links": {"self": {"href": "/p?o=0"}, "next": {"href": "/p?o=\u0032"}},
		"dup": 1, "dup": 2, "esc\/aped": true }`)
	for p, want := range map[string]string{
		"/_links/next/href": `"/p?o=\u0032"`,
		"/items/1/id":       `"two"`,
		"/items/0":          `{"id":1}`,
		"/dup":              `2`,
		"/esc~1aped":        `true`,
	} {
		tokens, _ := PointerTokens(p)
		got, ok := Pointer(doc, tokens)
		if !ok || string(got) != want {
			t.Errorf("Pointer(%s) = %s, %v; want %s", p, got, ok, want)
		}
	}
	for _, p := range []string{"/_links/prev/href", "/items/2", "/items/01", "/items/-", "/items/-0", "/items/+1", "/dup/x", "/nothing"} {
		tokens, _ := PointerTokens(p)
		if got, ok := Pointer(doc, tokens); ok {
			t.Errorf("Pointer(%s) = %s; want nothing", p, got)
		}
	}
}

// FuzzPointer checks Pointer against encoding/json: on a valid document it
// finds exactly the value that decoding the whole document finds there.
func FuzzPointer(f *testing.F) {
	f.Add([]byte(`{"_links":{"next":{"href":"/p?o=2"}}}`), "/_links/next/href")
	f.Add([]byte(`{"a":[1,{"b":null}],"a":[0]}`), "/a/0")
	f.Add([]byte(` [ {"\u00e9": "x"} ] `), "/0/\u00e9")
	f.Add([]byte(`{"a\"b": {"": 3}}`), "/a\"b/")
	f.Fuzz(func(t *testing.T, data []byte, pointer string) {
		tokens, err := PointerTokens(pointer)
		if err != nil {
			return
		}
		got, ok := Pointer(data, tokens)
		if !json.Valid(data) {
			return // a hint on broken input; it must only not panic
		}
		want, found := lookup(t, data, tokens)
		if ok != found {
			t.Fatalf("Pointer(%q, %q): found %v, encoding/json %v", data, pointer, ok, found)
		}
		if !ok {
			return
		}
		value, err := decode(got)
		if err != nil {
			t.Fatalf("Pointer(%q, %q) = %q, not a JSON value: %v", data, pointer, got, err)
		}
		if !reflect.DeepEqual(value, want) {
			t.Fatalf("Pointer(%q, %q) = %q; encoding/json finds %#v", data, pointer, got, want)
		}
	})
}

// lookup walks a fully decoded document, as a plain program would.
func lookup(t *testing.T, data []byte, tokens []string) (any, bool) {
	v, err := decode(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range tokens {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[tok]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) || strconv.Itoa(i) != tok {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// decode decodes one JSON value, numbers kept as written.
func decode(data []byte) (any, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	err := dec.Decode(&v)
	return v, err
}
