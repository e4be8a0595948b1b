package json

import (
	"errors"
	"strings"
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
)

func TestEncode(t *testing.T) {
	tests := []struct {
		name   string
		value  string
		file   string
		stream string
	}{
		{
			name:   "keys sorted and indented",
			value:  `{"b":[1,2],"a":{"c":null}}`,
			file:   "{\n  \"a\": {\n    \"c\": null\n  },\n  \"b\": [\n    1,\n    2\n  ]\n}\n",
			stream: `{"a":{"c":null},"b":[1,2]}` + "\n",
		},
		{
			name:   "empty object and array stay inline",
			value:  `{"a":{},"b":[],"c":[{}]}`,
			file:   "{\n  \"a\": {},\n  \"b\": [],\n  \"c\": [\n    {}\n  ]\n}\n",
			stream: `{"a":{},"b":[],"c":[{}]}` + "\n",
		},
		{
			name:   "empty object",
			value:  `{}`,
			file:   "{}\n",
			stream: "{}\n",
		},
		{
			name:   "numbers verbatim",
			value:  `{"a":9007199254740993,"b":123456789012345678901234567890,"c":1e20,"d":-0,"e":1.50,"f":1E-7}`,
			file:   "{\n  \"a\": 9007199254740993,\n  \"b\": 123456789012345678901234567890,\n  \"c\": 1e20,\n  \"d\": -0,\n  \"e\": 1.50,\n  \"f\": 1E-7\n}\n",
			stream: `{"a":9007199254740993,"b":123456789012345678901234567890,"c":1e20,"d":-0,"e":1.50,"f":1E-7}` + "\n",
		},
		{
			name:   "no HTML escaping, unicode literal",
			value:  `{"h":"<b>&</b>","u":"日本語 😀","esc":"\u003c"}`,
			file:   "{\n  \"esc\": \"<\",\n  \"h\": \"<b>&</b>\",\n  \"u\": \"日本語 😀\"\n}\n",
			stream: `{"esc":"<","h":"<b>&</b>","u":"日本語 😀"}` + "\n",
		},
		{
			name:   "control characters escaped",
			value:  `{"s":"tab\there\nnew \"q\" \\"}`,
			file:   "{\n  \"s\": \"tab\\there\\nnew \\\"q\\\" \\\\\"\n}\n",
			stream: `{"s":"tab\there\nnew \"q\" \\"}` + "\n",
		},
		{
			name:   "input whitespace ignored",
			value:  "\n { \"b\" : true , \"a\" : false }\n",
			file:   "{\n  \"a\": false,\n  \"b\": true\n}\n",
			stream: `{"a":false,"b":true}` + "\n",
		},
		{
			name:   "scalar",
			value:  `"just a string"`,
			file:   "\"just a string\"\n",
			stream: "\"just a string\"\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := sdk.Value{JSON: []byte(tt.value)}
			for _, c := range []struct {
				style sdk.Style
				want  string
			}{{sdk.StyleFile, tt.file}, {sdk.StyleStream, tt.stream}} {
				got, err := Formatter{}.Encode(v, c.style)
				if err != nil {
					t.Fatalf("Encode(%s, %d): %v", tt.value, c.style, err)
				}
				if string(got) != c.want {
					t.Errorf("Encode(%s, %d) =\n%s\nwant\n%s", tt.value, c.style, got, c.want)
				}
			}
		})
	}
}

// The stream style appends a newline to a value that is canonical
// already: into a slice of its own, not past the end of the caller's.
func TestEncodeStreamLeavesTheValuesBytesAlone(t *testing.T) {
	page := []byte(`{"a":1}{"b":2}`)
	value := page[:7:len(page)] // room to append into
	got, err := Formatter{}.Encode(sdk.Value{JSON: value}, sdk.StyleStream)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "{\"a\":1}\n" || string(page) != `{"a":1}{"b":2}` {
		t.Errorf("Encode gave %q and left the page %q", got, page)
	}
}

func TestEncodeErrors(t *testing.T) {
	for _, bad := range []string{``, `{`, `{"a":1} {"b":2}`, `{'a':1}`} {
		_, err := Formatter{}.Encode(sdk.Value{JSON: []byte(bad), Source: "x.json", Line: 7}, sdk.StyleFile)
		var e *sdk.Error
		if !errors.As(err, &e) || e.Source != "x.json" || e.Line != 7 {
			t.Errorf("Encode(%q) error = %v, want an *sdk.Error at x.json:7", bad, err)
		}
	}
	if _, err := (Formatter{}).Encode(sdk.Value{JSON: []byte(`{}`)}, sdk.Style(42)); err == nil {
		t.Error("Encode with an unknown style succeeded")
	}
}

// awkwardValues are values every formatter must carry unchanged, written in
// canonical form (TestAwkwardValuesAreCanonical checks).
var awkwardValues = []string{
	`{"s":"0755"}`, `{"s":"true"}`, `{"s":"2017-01-01"}`, `{"s":"1e20"}`, `{"s":"null"}`,
	`{"s":""}`, `{"s":" lead"}`, `{"s":"trail "}`, `{"s":"a: b"}`, `{"s":"- x"}`, `{"s":"#x"}`,
	`{"s":"multi\nline\n"}`, `{"s":"no trailing newline\nx"}`, `{"s":"ends with space \n"}`,
	`{"s":"\ttab\t"}`, `{"s":"😀 日本語 Zoë"}`, `{"s":"quotes ' and \""}`, `{"s":"<&>"}`,
	`{"s":"\u0000\u001f` + "\x7f" + `"}`, `{"s":"line\u2028sep"}`,
	`{"n":9007199254740993}`, `{"n":123456789012345678901234567890}`, `{"n":-0}`, `{"n":1.5}`,
	`{"n":1e-7}`, `{"n":0.1}`, `{"n":1E+400}`,
	`{"b":true,"f":false,"z":null}`, `{"e":{},"l":[],"n":[{},[]]}`,
	`{"":"empty key"," ":"space key","a\"b":"quote key","ключ":"unicode key"}`,
	`{"a":{"b":{"c":{"d":{"e":{"f":[[[[["deep"]]]]]}}}}}}`,
	`"top-level string"`, `42`, `null`,
}

func TestAwkwardValuesAreCanonical(t *testing.T) {
	for _, value := range awkwardValues {
		if canon, err := sdk.CanonicalJSON([]byte(value)); err != nil || string(canon) != value {
			t.Errorf("%s is not canonical: %s %v", value, canon, err)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for _, value := range awkwardValues {
		for _, style := range []sdk.Style{sdk.StyleFile, sdk.StyleStream} {
			encoded, err := Formatter{}.Encode(sdk.Value{JSON: []byte(value)}, style)
			if err != nil {
				t.Fatalf("Encode(%s): %v", value, err)
			}
			if style == sdk.StyleStream && strings.Count(string(encoded), "\n") != 1 {
				t.Errorf("Encode(%s, StyleStream) = %q, want one line", value, encoded)
			}
			got, err := decodeAll(t, string(encoded))
			if err != nil {
				t.Fatalf("Decode(Encode(%s)): %v", value, err)
			}
			if len(got) != 1 || got[0].JSON != value {
				t.Errorf("Decode(Encode(%s, %d)) = %v, want the value back", value, style, got)
			}
		}
	}
}

func TestSpecAndPlugin(t *testing.T) {
	spec := Spec()
	if spec.Name != "json" || strings.Join(spec.Extensions, " ") != ".json" ||
		strings.Join(spec.MediaTypes, " ") != "application/json application/hal+json text/json" {
		t.Errorf("Spec() = %+v", spec)
	}
	if _, ok := spec.Formatter.(Formatter); !ok {
		t.Errorf("Spec().Formatter is %T, want Formatter", spec.Formatter)
	}
	p := Plugin()
	if p.Name != "json" || p.Version != "1.0.0" || len(p.Formatters) != 1 || p.Formatters[0].Name != "json" ||
		len(p.Endpoints) != 0 || len(p.Schemas) != 0 {
		t.Errorf("Plugin() = %+v", p)
	}
}
