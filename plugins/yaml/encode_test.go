package yaml

import (
	"errors"
	"strings"
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
	yamlv3 "go.yaml.in/yaml/v3"
)

func encode(t testing.TB, value string) string {
	t.Helper()
	out, err := Formatter{}.Encode(sdk.Value{JSON: []byte(value)}, sdk.StyleFile)
	if err != nil {
		t.Fatalf("Encode(%s): %v", value, err)
	}
	stream, err := Formatter{}.Encode(sdk.Value{JSON: []byte(value)}, sdk.StyleStream)
	if err != nil || string(stream) != string(out) {
		t.Fatalf("Encode(%s, StyleStream) = %q, %v; want the StyleFile output %q", value, stream, err, out)
	}
	return string(out)
}

func TestEncode(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  string
	}{
		{"keys sorted", `{"b":1,"a":{"d":true,"c":null}}`, "---\na:\n  c: null\n  d: true\nb: 1\n"},
		{"empty object", `{}`, "---\n{}\n"},
		{"empty collections inline", `{"e":{},"l":[],"n":[{},[]]}`, "---\ne: {}\nl: []\n'n':\n  - {}\n  - []\n"},
		{"sequence under a key is indented", `{"l":[1,"two",null]}`, "---\nl:\n  - 1\n  - two\n  - null\n"},
		{"mappings in a sequence", `{"l":[{"b":1,"a":[2,3]},{"c":{"d":4}}]}`, "---\nl:\n  - a:\n      - 2\n      - 3\n    b: 1\n  - c:\n      d: 4\n"},
		{"sequences in a sequence", `[[1,[2,3]],[]]`, "---\n- - 1\n  - - 2\n    - 3\n- []\n"},
		{"numbers verbatim", `{"a":9007199254740993,"b":123456789012345678901234567890,"c":1e20,"d":-0,"e":1.50,"f":1E-7}`,
			"---\na: 9007199254740993\nb: 123456789012345678901234567890\nc: 1e20\nd: -0\ne: 1.50\nf: 1E-7\n"},
		{"unicode readable", `{"s":"😀 日本語 Zoë","ключ":"значение"}`, "---\ns: 😀 日本語 Zoë\nключ: значение\n"},
		{"top-level scalars", `"text"`, "---\ntext\n"},
		{"top-level quoted", `"true"`, "---\n'true'\n"},
		{"top-level number", `42`, "---\n42\n"},
		{"top-level null", `null`, "---\nnull\n"},
		{"top-level literal", `"a\nb"`, "---\n|-\n  a\n  b\n"},
		{"literal in a sequence", `{"l":["a\nb\n"]}`, "---\nl:\n  - |\n    a\n    b\n"},
		{"literal keeps blank lines", `{"s":"a\n\n  b\n"}`, "---\ns: |\n  a\n\n    b\n"},
		{"literal keeps extra trailing newlines", `{"a":"x\n\n\n","b":1}`, "---\na: |+\n  x\n\n\nb: 1\n"},
		{"literal after leading newlines", `{"s":"\n\nx"}`, "---\ns: |-\n\n\n  x\n"},
		{"multi-line key is double-quoted", `{"a\nb":"c\nd"}`, "---\n\"a\\nb\": |-\n  c\n  d\n"},
		{"input whitespace and order ignored", "\n{ \"b\" : [ ] , \"a\" : { } }\n", "---\na: {}\nb: []\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := encode(t, tt.value); got != tt.want {
				t.Errorf("Encode(%s) =\n%s\nwant\n%s", tt.value, got, tt.want)
			}
		})
	}
}

// TestEncodeStrings pins how each awkward string is written, as a value
// and as a key.
func TestEncodeStrings(t *testing.T) {
	tests := []struct {
		s    string
		want string // as a value; "" means the same as the key form
		key  string
	}{
		// plain where nothing can go wrong
		{"hello world", "hello world", ""},
		{"quotes ' and \"", `quotes ' and "`, ""},
		{"a:b", "a:b", ""},
		{"a#b", "a#b", ""},
		{"a, [b] {c}", "a, [b] {c}", ""},
		{"😀", "😀", ""},
		{".gitignore", ".gitignore", ""},
		{"x\u00a0y", "x\u00a0y", ""},
		// read as something else by YAML 1.2 or 1.1
		{"", "''", ""},
		{"0755", "'0755'", ""},
		{"12", "'12'", ""},
		{"-12", "'-12'", ""},
		{"1e20", "'1e20'", ""},
		{".5", "'.5'", ""},
		{"+.5", "'+.5'", ""},
		{"1_000", "'1_000'", ""},
		{"0b101", "'0b101'", ""},
		{"1:30", "'1:30'", ""},
		{"2017-01-01", "'2017-01-01'", ""},
		{"true", "'true'", ""},
		{"False", "'False'", ""},
		{"yes", "'yes'", ""},
		{"No", "'No'", ""},
		{"on", "'on'", ""},
		{"OFF", "'OFF'", ""},
		{"y", "'y'", ""},
		{"n", "'n'", ""},
		{"null", "'null'", ""},
		{"nULL", "'nULL'", ""}, // YAML 1.1 words are quoted in any case, to be safe
		{"~", "'~'", ""},
		{"<<", "'<<'", ""},
		{"=", "'='", ""},
		{".inf", "'.inf'", ""},
		{"-.Inf", "'-.Inf'", ""},
		{".NaN", "'.NaN'", ""},
		{".", "'.'", ""},
		{"...", "'...'", ""},
		{"---", "'---'", ""},
		// syntax
		{" lead", "' lead'", ""},
		{"trail ", "'trail '", ""},
		{"\u00a0nbsp", "'\u00a0nbsp'", ""},
		{"a: b", "'a: b'", ""},
		{"a:", "'a:'", ""},
		{"a #b", "'a #b'", ""},
		{"- x", "'- x'", ""},
		{"-x", "'-x'", ""},
		{"#x", "'#x'", ""},
		{"? x", "'? x'", ""},
		{"&a", "'&a'", ""},
		{"*a", "'*a'", ""},
		{"!tag", "'!tag'", ""},
		{"|", "'|'", ""},
		{">", "'>'", ""},
		{"%x", "'%x'", ""},
		{"@x", "'@x'", ""},
		{"`x", "'`x'", ""},
		{"[x]", "'[x]'", ""},
		{"{x}", "'{x}'", ""},
		{"'x'", "'''x'''", ""},
		{`"x"`, `'"x"'`, ""},
		{"it's", "it's", ""},
		// escapes
		{"a\tb", `"a\tb"`, ""},
		{"\ttab", `"\ttab"`, ""},
		{"nul\x00", `"nul\0"`, ""},
		{"bell\a", `"bell\x07"`, ""},
		{"esc\x1b", `"esc\e"`, ""},
		{"del\x7f", `"del\x7F"`, ""},
		{"nel\u0085", `"nel\N"`, ""},
		{"c1\u009f", `"c1\x9F"`, ""},
		{"ls\u2028ps\u2029", `"ls\Lps\P"`, ""},
		{"bom\ufeff", `"bom\uFEFF"`, ""},
		{"nonchar\uffff", `"nonchar\uFFFF"`, ""},
		{"cr\r\nlf", `"cr\r\nlf"`, ""},
		{"back\\slash\t\"", `"back\\slash\t\""`, ""},
		// multi-line: literal block when exact, else double quotes
		{"multi\nline\n", "|\n  multi\n  line", `"multi\nline\n"`},
		{"no trailing newline\nx", "|-\n  no trailing newline\n  x", `"no trailing newline\nx"`},
		{"x\n\n", "|+\n  x\n", `"x\n\n"`},
		{"tab\tinside\n\tand leading\n", "|\n  tab\tinside\n  \tand leading", `"tab\tinside\n\tand leading\n"`},
		{"# not a comment\n- not a list\n--- not a marker\n", "|\n  # not a comment\n  - not a list\n  --- not a marker", `"# not a comment\n- not a list\n--- not a marker\n"`},
		{"ends with space \n", `"ends with space \n"`, ""},
		{"trailing tab\t\nx", `"trailing tab\t\nx"`, ""},
		{"a\n \nb", `"a\n \nb"`, ""},
		{" leading space\nx", `" leading space\nx"`, ""},
		{"\tleading tab\nx", `"\tleading tab\nx"`, ""},
		{"\n  indented after blank\n", `"\n  indented after blank\n"`, ""},
		{"\n", `"\n"`, ""},
		{"\n\n", `"\n\n"`, ""},
		{"cr\r\nlf\n", `"cr\r\nlf\n"`, ""},
		{"nel\u0085\n", `"nel\N\n"`, ""},
	}
	for _, tt := range tests {
		key := tt.key
		if key == "" {
			key = tt.want
		}
		t.Run(tt.s, func(t *testing.T) {
			value, _ := sdk.MarshalCanonical(map[string]any{"k": tt.s})
			if got, want := encode(t, string(value)), "---\nk: "+tt.want+"\n"; got != want {
				t.Errorf("Encode(%s) =\n%s\nwant\n%s", value, got, want)
			}
			asKey, _ := sdk.MarshalCanonical(map[string]any{tt.s: 1})
			if got, want := encode(t, string(asKey)), "---\n"+key+": 1\n"; got != want {
				t.Errorf("Encode(%s) =\n%s\nwant\n%s", asKey, got, want)
			}
			roundTrip(t, value)
			roundTrip(t, asKey)
		})
	}
}

func TestEncodeLongKey(t *testing.T) {
	long := strings.Repeat("k", maxImplicitKey+1)
	value, _ := sdk.MarshalCanonical(map[string]any{long: map[string]any{"a": 1}, "short": []any{map[string]any{long + "!": "v"}}})
	want := "---\n? " + long + "\n:\n  a: 1\nshort:\n  - ? " + long + "!\n    : v\n"
	if got := encode(t, string(value)); got != want {
		t.Errorf("Encode(long keys) =\n%s\nwant\n%s", got, want)
	}
	implicit := strings.Repeat("k", maxImplicitKey)
	value, _ = sdk.MarshalCanonical(map[string]any{implicit: 1})
	if got, want := encode(t, string(value)), "---\n"+implicit+": 1\n"; got != want {
		t.Errorf("Encode(key of %d bytes) is not written as key: value", len(implicit))
	}
}

func TestEncodeErrors(t *testing.T) {
	for _, bad := range []string{``, `{`, `{"a":1} {"b":2}`, `{'a':1}`, `[1,]`} {
		_, err := Formatter{}.Encode(sdk.Value{JSON: []byte(bad), Source: "x.yaml", Line: 7}, sdk.StyleFile)
		var e *sdk.Error
		if !errors.As(err, &e) || e.Source != "x.yaml" || e.Line != 7 {
			t.Errorf("Encode(%q) error = %v, want an *sdk.Error at x.yaml:7", bad, err)
		}
	}
	if _, err := (Formatter{}).Encode(sdk.Value{JSON: []byte(`{}`)}, sdk.Style(42)); err == nil {
		t.Error("Encode with an unknown style succeeded")
	}
}

func TestSpecAndPlugin(t *testing.T) {
	spec := Spec()
	if spec.Name != "yaml" || strings.Join(spec.Extensions, " ") != ".yaml .yml" ||
		strings.Join(spec.MediaTypes, " ") != "application/yaml application/x-yaml text/vnd.yaml text/yaml text/x-yaml" {
		t.Errorf("Spec() = %+v", spec)
	}
	if _, ok := spec.Formatter.(Formatter); !ok {
		t.Errorf("Spec().Formatter is %T, want Formatter", spec.Formatter)
	}
	p := Plugin()
	if p.Name != "yaml" || p.Version != "1.0.0" || len(p.Formatters) != 1 || p.Formatters[0].Name != "yaml" ||
		len(p.Endpoints) != 0 || len(p.Schemas) != 0 {
		t.Errorf("Plugin() = %+v", p)
	}
}

// TestYAMLv3EncoderFallsShort records why Encode has its own emitter:
// given a node tagged !!str, yaml.v3 leaves YAML 1.1 booleans plain (a 1.1
// reader sees true) and escapes characters beyond the BMP. If an upgrade
// changes this, the emitter could be reconsidered.
func TestYAMLv3EncoderFallsShort(t *testing.T) {
	for _, tt := range []struct{ value, yamlv3, ours string }{
		{"yes", "k: yes\n", "k: 'yes'\n"},
		{"on", "k: on\n", "k: 'on'\n"},
		{"😀", "k: \"\\U0001F600\"\n", "k: 😀\n"},
		{"0755", "k: \"0755\"\n", "k: '0755'\n"},
	} {
		node := &yamlv3.Node{Kind: yamlv3.MappingNode, Content: []*yamlv3.Node{
			{Kind: yamlv3.ScalarNode, Tag: "!!str", Value: "k"},
			{Kind: yamlv3.ScalarNode, Tag: "!!str", Value: tt.value},
		}}
		got, err := yamlv3.Marshal(node)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.yamlv3 {
			t.Errorf("yaml.v3 now writes %q as %q, was %q", tt.value, got, tt.yamlv3)
		}
		if got := encode(t, `{"k":"`+tt.value+`"}`); got != "---\n"+tt.ours {
			t.Errorf("Encode writes %q as %q, want %q", tt.value, got, "---\n"+tt.ours)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	values := awkwardValues
	done := make(chan error)
	for range 4 {
		go func() {
			for _, v := range values {
				encoded, err := Formatter{}.Encode(sdk.Value{JSON: []byte(v)}, sdk.StyleFile)
				if err == nil {
					_, err = Formatter{}.Decode(sdk.Document{Content: encoded})
				}
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
