package yaml

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/resource-sync/resource-sync/sdk"
)

// decoded is a value as the tests compare it: JSON as text, with its line.
type decoded struct {
	JSON string
	Line int
}

func decodeAll(t testing.TB, content string) ([]decoded, error) {
	t.Helper()
	values, err := Formatter{}.Decode(sdk.Document{Content: []byte(content), Source: "in.yaml"})
	var got []decoded
	for _, v := range values {
		got = append(got, decoded{string(v.JSON), v.Line})
	}
	return got, err
}

// TestDecodeScalars pins the YAML 1.2 core schema: what is a number, a
// bool or null, and that everything else (dates, yes/no) is a string.
func TestDecodeScalars(t *testing.T) {
	tests := []struct {
		yaml string // the value of key v
		json string
	}{
		// null
		{"", `null`}, {"~", `null`}, {"null", `null`}, {"Null", `null`}, {"NULL", `null`},
		{"nULL", `"nULL"`},
		// bools, and YAML 1.1 words that stay strings
		{"true", `true`}, {"True", `true`}, {"TRUE", `true`}, {"false", `false`}, {"FALSE", `false`},
		{"tRUE", `"tRUE"`}, {"yes", `"yes"`}, {"No", `"No"`}, {"on", `"on"`}, {"OFF", `"OFF"`}, {"y", `"y"`}, {"n", `"n"`},
		// dates and times stay strings
		{"2017-01-01", `"2017-01-01"`}, {"2017-01-01T09:30:00Z", `"2017-01-01T09:30:00Z"`}, {"2001-12-14 21:59:43.10 -5", `"2001-12-14 21:59:43.10 -5"`},
		// integers keep every digit
		{"12", `12`}, {"-0", `-0`}, {"+12", `12`}, {"0", `0`},
		{"9007199254740993", `9007199254740993`},
		{"123456789012345678901234567890", `123456789012345678901234567890`},
		{"-123456789012345678901234567890", `-123456789012345678901234567890`},
		{"0755", `755`}, {"007", `7`}, {"-007", `-7`}, {"00", `0`},
		{"0o17", `15`}, {"0x1F", `31`}, {"0xff", `255`},
		{"0xffffffffffffffffffffffff", `79228162514264337593543950335`},
		// not core integers
		{"1_000", `"1_000"`}, {"0b101", `"0b101"`}, {"1:30", `"1:30"`}, {"-0x1F", `"-0x1F"`}, {"0o8", `"0o8"`},
		{"0x", `"0x"`}, {"0xg", `"0xg"`}, {"+-1", `"+-1"`}, {"1 2", `"1 2"`},
		// floats: JSON text kept, other forms normalised
		{"1e20", `1e20`}, {"1E+5", `1E+5`}, {"1.5", `1.5`}, {"1.50", `1.50`}, {"0.1", `0.1`}, {"1e-7", `1e-7`},
		{"-1.5e-07", `-1.5e-07`}, {"1.", `1.0`}, {"+1.5", `1.5`}, {".5", `0.5`}, {"-.5", `-0.5`}, {"+.5e3", `0.5e3`},
		{"1.e5", `1.0e5`}, {"01.5", `1.5`}, {"1e400", `1e400`},
		// not core floats
		{".", `"."`}, {"1e", `"1e"`}, {"1.2.3", `"1.2.3"`}, {"e5", `"e5"`}, {"1,5", `"1,5"`}, {".inf.", `".inf."`},
		// quoted and block scalars are strings
		{`'12'`, `"12"`}, {`"true"`, `"true"`}, {`''`, `""`}, {`"null"`, `"null"`}, {`'1e20'`, `"1e20"`},
		{`"a\tb\u00e9\U0001F600"`, `"a\tbé😀"`}, {`'it''s'`, `"it's"`},
		{"|\n  multi\n  line", `"multi\nline\n"`}, {"|-\n  a\n\n  b", `"a\n\nb"`}, {"|+\n  a\n", `"a\n\n"`},
		{">\n  folded\n  text", `"folded text\n"`}, {"plain\n  continued", `"plain continued"`},
		// explicit tags
		{"!!str 12", `"12"`}, {"!!str true", `"true"`}, {"!!str", `""`}, {`!!int "12"`, `12`}, {"!!int 0x10", `16`},
		{"!!float 1", `1`}, {`!!float "1."`, `1.0`}, {`!!bool "true"`, `true`}, {"!!null ''", `null`},
		{"!!binary aGVsbG8=", `"aGVsbG8="`}, {"!!timestamp 2017-01-01", `"2017-01-01"`},
		{"!<tag:yaml.org,2002:str> 7", `"7"`}, {"!custom 12", `12`}, {`!custom "12"`, `"12"`},
		// everything else
		{"😀 日本語 Zoë", `"😀 日本語 Zoë"`}, {"<<", `"<<"`}, {"a: b", `{"a":"b"}`}, {"<b>&</b>", `"<b>&</b>"`},
		{"[1, two, {x: 3.0}]", `[1,"two",{"x":3.0}]`}, {"{}", `{}`}, {"[]", `[]`},
	}
	for _, tt := range tests {
		t.Run(tt.yaml, func(t *testing.T) {
			content := "v: " + tt.yaml + "\n"
			if strings.HasPrefix(tt.yaml, "a: ") {
				content = "v:\n  " + tt.yaml + "\n"
			}
			got, err := decodeAll(t, content)
			if err != nil {
				t.Fatalf("Decode(%q): %v", content, err)
			}
			want := []decoded{{`{"v":` + tt.json + `}`, 1}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Decode(%q) mismatch (-want +got):\n%s", content, diff)
			}
		})
	}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []decoded
	}{
		{"empty", "", nil},
		{"comments only", "# nothing\n\n# here\n", nil},
		{"empty documents", "---\n---\n# c\n---\n...\n", nil},
		{"keys sorted", "b: 1\na: 2\nc: {z: 1, y: 2}\n", []decoded{{`{"a":2,"b":1,"c":{"y":2,"z":1}}`, 1}}},
		{"trailing document marker ignored", "a: 1\n---\n", []decoded{{`{"a":1}`, 1}}},
		{"documents with their lines", "a: 1\n---\nb: 2\n---\n# comment\n\n---\n\n\nc: 3\n", []decoded{{`{"a":1}`, 1}, {`{"b":2}`, 2}, {`{"c":3}`, 7}}},
		{"implicit document after comments", "# head\n\na: 1\n", []decoded{{`{"a":1}`, 3}}},
		{"document end markers", "a: 1\n...\n---\nb: 2\n...\n", []decoded{{`{"a":1}`, 1}, {`{"b":2}`, 3}}},
		{"explicit null document is kept", "--- null\n--- ~\n--- ''\n", []decoded{{`null`, 1}, {`null`, 2}, {`""`, 3}}},
		{"BOM", "\xef\xbb\xbfa: 1\n", []decoded{{`{"a":1}`, 1}}},
		{"scalars and lists are values", "--- 12\n--- [1, 2]\n--- text\n", []decoded{{`12`, 1}, {`[1,2]`, 2}, {`"text"`, 3}}},
		{"non-string keys become their text", "1: a\ntrue: b\n~: c\n1.50: d\n0x1F: e\n'q': f\n? \n: g\n",
			[]decoded{{`{"":"g","0x1F":"e","1":"a","1.50":"d","q":"f","true":"b","~":"c"}`, 1}}},
		{"unicode and awkward keys", "\"\": empty\n' lead': x\nключ: значение\n\"a\\\"b\": q\n", []decoded{{`{"":"empty"," lead":"x","a\"b":"q","ключ":"значение"}`, 1}}},
		{"anchors and aliases", "base: &b {x: 1, y: [a, b]}\ncopy: *b\nlist: [*b, *b]\nname: &n text\nnames: [*n]\n",
			[]decoded{{`{"base":{"x":1,"y":["a","b"]},"copy":{"x":1,"y":["a","b"]},"list":[{"x":1,"y":["a","b"]},{"x":1,"y":["a","b"]}],"name":"text","names":["text"]}`, 1}}},
		{"alias as key", "k: &k key\n*k : v\n", []decoded{{`{"k":"key","key":"v"}`, 1}}},
		{"merge key", "base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n", []decoded{{`{"base":{"x":1,"y":2},"derived":{"x":1,"y":3}}`, 1}}},
		{"merge key written after the keys", "b: &b {x: 1}\nd:\n  x: 2\n  <<: *b\n", []decoded{{`{"b":{"x":1},"d":{"x":2}}`, 1}}},
		{"merge list: earlier wins", "a: &a {x: a1, y: a2}\nb: &b {x: b1, z: b3}\nm:\n  <<: [*a, *b]\n",
			[]decoded{{`{"a":{"x":"a1","y":"a2"},"b":{"x":"b1","z":"b3"},"m":{"x":"a1","y":"a2","z":"b3"}}`, 1}}},
		{"merge inline mapping", "m:\n  <<: {x: 1}\n  y: 2\n", []decoded{{`{"m":{"x":1,"y":2}}`, 1}}},
		{"quoted << is a plain key", "'<<': {x: 1}\n", []decoded{{`{"<<":{"x":1}}`, 1}}},
		{"flow and block mixed", "a:\n  - {b: [1, {c: d}]}\n  - - e\n    - f\n", []decoded{{`{"a":[{"b":[1,{"c":"d"}]},["e","f"]]}`, 1}}},
		{"numbers inside structures", "l: [0755, 1e20, .5, 0x10, 2017-01-01, yes]\n", []decoded{{`{"l":[755,1e20,0.5,16,"2017-01-01","yes"]}`, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeAll(t, tt.content)
			if err != nil {
				t.Fatalf("Decode(%q): %v", tt.content, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decode(%q) mismatch (-want +got):\n%s", tt.content, diff)
			}
		})
	}
}

func TestDecodeCopiesDocumentContext(t *testing.T) {
	doc := sdk.Document{
		Content:   []byte("a: 1\n---\nb: 2\n"),
		MediaType: "application/yaml",
		Source:    "https://api.example.com/api/v1/order",
		URI:       "https://api.example.com/api/v1/order?page=2",
		TypeHint:  "order",
		Location:  "order/o1.yaml",
	}
	values, err := Formatter{}.Decode(doc)
	if err != nil {
		t.Fatal(err)
	}
	want := []sdk.Value{
		{JSON: []byte(`{"a":1}`), Source: doc.Source, Line: 1, URI: doc.URI, TypeHint: doc.TypeHint, Location: doc.Location},
		{JSON: []byte(`{"b":2}`), Source: doc.Source, Line: 2, URI: doc.URI, TypeHint: doc.TypeHint, Location: doc.Location},
	}
	if diff := cmp.Diff(want, values); diff != "" {
		t.Errorf("Decode mismatch (-want +got):\n%s", diff)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		line    int
		msg     string // the whole message
	}{
		{"bad indentation", "a: 1\n  b: 2\n", 2, "invalid YAML: mapping values are not allowed in this context"},
		{"unclosed flow sequence", "a: 1\nb: [1,\n", 2, "invalid YAML: did not find expected node content"},
		{"tab indentation", "a:\n\t- x\n", 2, "invalid YAML: found character that cannot start any token"},
		{"unclosed quote", "a: 1\nb: 'x\n", 2, "invalid YAML: found unexpected end of stream"},
		{"error in a later document", "a: 1\n---\nb: 2\n---\nc: [\n", 5, "invalid YAML: did not find expected node content"},
		{"invalid UTF-8", "a: 1\nb: \xff\n", 2, "invalid YAML: invalid leading UTF-8 octet"},
		{"truncated UTF-8", "a: 1\n\nb: \xe6\x97\n", 3, "invalid YAML: invalid trailing UTF-8 octet"},
		{"control character", "a: 1\nb: 2\nc: \x01\n", 3, "invalid YAML: control characters are not allowed"},
		{"bad escape", "a: 1\n\nb: \"\\uD800\"\n", 3, "invalid YAML: found invalid Unicode character escape code"},
		{"unknown anchor", "a: *nope\n", 0, "invalid YAML: unknown anchor 'nope' referenced"},
		// The parser's errors, which yaml.v3 numbers from 0.
		{"sequence entry in a mapping", "a: 1\nb: 2\n- c\n", 3, "invalid YAML: did not find expected key"},
		{"sequence entry without a newline", "a: 1\nb: 2\n- c", 3, "invalid YAML: did not find expected key"},
		{"stray closing brace", "a: 1\nb: 2\n}\n", 3, "invalid YAML: did not find expected key"},
		{"under-indented key", "a: 1\nb:\n  c: 1\n  d: 2\n e: 3\n", 5, "invalid YAML: did not find expected key"},
		{"mapping in a sequence", "- a\n- b\nc: 1\n", 3, "invalid YAML: did not find expected '-' indicator"},
		{"flow mapping missing a comma", "a: {x: 1,\n  y: 2\n  z: 3}\n", 3, "invalid YAML: did not find expected ',' or '}'"},
		{"undefined tag handle", "a: 1\nb: !x!y 1\n", 2, "invalid YAML: found undefined tag handle"},
		{"undefined tag handle on the first line", "a: !x!y 1\n", 1, "invalid YAML: found undefined tag handle"},
		{"duplicate directive", "%YAML 1.1\n%YAML 1.1\n---\na: 1\n", 2, "invalid YAML: found duplicate %YAML directive"},
		// The scanner's, numbered from 1 already.
		{"key without a colon", "a: 1\nb: 2\nc\n", 3, "invalid YAML: could not find expected ':'"},
		{"mapping after a document end", "a: 1\nb: 2\n...\nc\nd: 1\n", 5, "invalid YAML: mapping values are not allowed in this context"},
		{"duplicate key", "a: 1\nb: 2\na: 3\n", 3, `duplicate key "a"`},
		{"duplicate key in a later document", "a: 1\n---\nb:\n  c: 1\n  c: 2\n", 5, `duplicate key "c"`},
		{"duplicate key by text", "1: a\n'1': b\n", 2, `duplicate key "1"`},
		{"duplicate empty key", "? \n: a\n'': b\n", 3, `duplicate key ""`},
		{"infinity", "a: 1\nb: .inf\n", 2, ".inf is not representable in JSON"},
		{"negative infinity", "b: -.Inf\n", 1, "-.Inf is not representable in JSON"},
		{"not a number", "b: [1, .NaN]\n", 1, ".NaN is not representable in JSON"},
		{"tagged infinity", "b: !!float .inf\n", 1, ".inf is not representable in JSON"},
		{"bad !!int", "a: !!int abc\n", 1, `invalid !!int value "abc"`},
		{"bad !!bool", "a: !!bool yes\n", 1, `invalid !!bool value "yes"`},
		{"bad !!null", "a: !!null x\n", 1, `invalid !!null value "x"`},
		{"bad !!float", "a: !!float 1.2.3\n", 1, `invalid !!float value "1.2.3"`},
		{"mapping as key", "? {a: 1}\n: b\n", 1, "a mapping key must be a scalar, not a mapping"},
		{"sequence as key", "x: 1\n? [a]\n: b\n", 2, "a mapping key must be a scalar, not a sequence"},
		{"alias inside its anchor", "a: &a [1, *a]\n", 1, "alias *a is inside its own anchor"},
		{"merge of a scalar", "a:\n  <<: 1\n", 2, "a merge key << needs a mapping or a list of mappings"},
		{"merge inside its anchor", "a: &a\n  <<: *a\n", 2, "alias *a is inside its own anchor"},
		{"merge of a list holding itself", "a: &s\n  - <<: *s\n", 2, "alias *s is inside its own anchor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeAll(t, tt.content)
			if err == nil {
				t.Fatalf("Decode(%q) = %v, want an error", tt.content, got)
			}
			var e *sdk.Error
			if !errors.As(err, &e) {
				t.Fatalf("Decode(%q) error %T %v, want *sdk.Error", tt.content, err, err)
			}
			want := &sdk.Error{Source: "in.yaml", Line: tt.line, Msg: tt.msg}
			if diff := cmp.Diff(want, e); diff != "" {
				t.Errorf("Decode(%q) error mismatch (-want +got):\n%s", tt.content, diff)
			}
		})
	}
}

// TestDecodeAliasBomb checks that "billion laughs" fails fast instead of
// expanding 10^9 nodes.
func TestDecodeAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i <= 9; i++ {
		b.WriteString(strings.NewReplacer("N", string(rune('0'+i)), "P", string(rune('0'+i-1))).
			Replace("aN: &aN [*aP, *aP, *aP, *aP, *aP, *aP, *aP, *aP, *aP, *aP]\n"))
	}
	start := time.Now()
	_, err := decodeAll(t, b.String())
	var e *sdk.Error
	if !errors.As(err, &e) || !strings.Contains(e.Msg, "aliases expand to more than") {
		t.Fatalf("Decode(alias bomb) error = %v, want the alias limit", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Decode(alias bomb) took %v", elapsed)
	}

	// Legitimate reuse well within the limit still works.
	got, err := decodeAll(t, "a: &a [x, y]\nb: &b [*a, *a, *a]\nc: [*b, *b]\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"a":["x","y"],"b":[["x","y"],["x","y"],["x","y"]],"c":[[["x","y"],["x","y"],["x","y"]],[["x","y"],["x","y"],["x","y"]]]}`; got[0].JSON != want {
		t.Errorf("Decode = %s, want %s", got[0].JSON, want)
	}
}

func TestDecodeDeepNesting(t *testing.T) {
	const depth = 1000
	content := strings.Repeat("[", depth) + strings.Repeat("]", depth)
	got, err := decodeAll(t, content)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].JSON != content {
		t.Errorf("Decode of %d nested flow sequences changed the value", depth)
	}
}
