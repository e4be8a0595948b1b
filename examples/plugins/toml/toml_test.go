package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
	"github.com/resource-sync/resource-sync/sdk/sdktest"
)

func TestMain(m *testing.M) { sdktest.Main(m, Plugin()) }

func TestConformance(t *testing.T) {
	sdktest.RunFormatter(t, sdktest.FormatterOpt{
		Plugin: Plugin(),
		Name:   "toml",
		// TOML has no null, and its integers are 64-bit: Encode refuses
		// both, as TestEncodeRefuses shows.
		SkipValues: func(name string) bool { return name == "null" || name == "integer beyond int64" },
		Values: []sdktest.Sample{
			{Name: "int64 limits", JSON: `{"max": 9223372036854775807, "min": -9223372036854775808}`},
			{Name: "tables in lists in tables", JSON: `{"a": {"list": [{"b": {"c": 1}, "d": [{"e": "f"}]}, {}]}, "z": 1}`},
			{Name: "lists of empty tables", JSON: `{"empties": [{}, {}], "nested": [[{}], [{"a": {}}]]}`},
			{Name: "dotted and quoted keys", JSON: `{"a.b": {"c.d": {"\"": "'"}}, "a": {"b": 1}}`},
		},
	})
}

func decodeOne(t *testing.T, content string) string {
	t.Helper()
	values, err := Formatter{}.Decode(sdk.Document{Content: []byte(content), Source: "t.toml"})
	if err != nil {
		t.Fatalf("Decode(%q): %v", content, err)
	}
	if len(values) != 1 {
		t.Fatalf("Decode(%q) gave %d values, want 1", content, len(values))
	}
	return string(values[0].JSON)
}

func TestDecode(t *testing.T) {
	for name, tc := range map[string]struct{ in, want string }{
		"empty document":         {"", `{}`},
		"comments only":          {"# nothing here\n", `{}`},
		"big integer exact":      {"n = 9007199254740993", `{"n":9007199254740993}`},
		"integer forms":          {"a = +1_000\nb = 0xff\nc = 0o17\nd = 0b101\ne = -0", `{"a":1000,"b":255,"c":15,"d":5,"e":-0}`},
		"float text kept":        {"a = 1e-7\nb = 2.50\nc = +1_000.5\nd = 6.02E+23", `{"a":1e-7,"b":2.50,"c":1000.5,"d":6.02E+23}`},
		"datetimes as text":      {"a = 1979-05-27T07:32:00Z\nb = 1979-05-27 07:32:00-07:00\nc = 1979-05-27\nd = 07:32:00.5\ne = 1979-05-27T07:32:00", `{"a":"1979-05-27T07:32:00Z","b":"1979-05-27 07:32:00-07:00","c":"1979-05-27","d":"07:32:00.5","e":"1979-05-27T07:32:00"}`},
		"strings stay strings":   {"a = '0755'\nb = \"true\"\nc = '''\nraw \\n'''", `{"a":"0755","b":"true","c":"raw \\n"}`},
		"tables and dotted keys": {"x.y = 1\n[a.b]\nc = 2\n[a]\nd = 3", `{"a":{"b":{"c":2},"d":3},"x":{"y":1}}`},
		"arrays of tables":       {"[[p]]\nn = 1\n[p.q]\nr = 2\n[[p]]\nn = 3", `{"p":[{"n":1,"q":{"r":2}},{"n":3}]}`},
		"inline tables":          {"a = { b.c = 1, d = [ { e = 'f' } ] }", `{"a":{"b":{"c":1},"d":[{"e":"f"}]}}`},
		"byte order mark":        {"\xef\xbb\xbfa = 1", `{"a":1}`},
	} {
		t.Run(name, func(t *testing.T) {
			if got := decodeOne(t, tc.in); got != tc.want {
				t.Errorf("Decode(%q)\n got %s\nwant %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		in   string
		line int
		msg  string
	}{
		"duplicate key":    {"a = 1\nb = 2\na = 3", 3, "invalid TOML"},
		"integer overflow": {"\nn = 123456789012345678901234567890", 2, "invalid TOML"},
		"infinity":         {"a = 1\nb = inf", 2, "inf has no JSON equivalent"},
		"not a number":     {"a = [\n  nan,\n]", 2, "nan has no JSON equivalent"},
		"unterminated":     {"a = \"open", 1, "invalid TOML"},
		"redefined table":  {"[a]\nb = 1\n[a]\nc = 2", 3, "invalid TOML"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Formatter{}.Decode(sdk.Document{Content: []byte(tc.in), Source: "bad.toml"})
			var e *sdk.Error
			if !errors.As(err, &e) {
				t.Fatalf("Decode(%q) = %v; want an *sdk.Error", tc.in, err)
			}
			if e.Source != "bad.toml" || e.Line != tc.line || !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("Decode(%q) error %q at %s:%d; want %q at bad.toml:%d", tc.in, e.Msg, e.Source, e.Line, tc.msg, tc.line)
			}
		})
	}
}

func TestEncode(t *testing.T) {
	for name, tc := range map[string]struct{ in, want string }{
		"layout": {
			`{"name": "a", "multi": "one\ntwo\n", "list": [1, {"x": "y"}], "empty": {}, "sub": {"k": "v", "deeper": {"z": 1}}, "items": [{"n": 1}, {"n": 2}], "a.b": 1}`,
			`"a.b" = 1
empty = {}
list = [1, { x = "y" }]
multi = """
one
two
"""
name = "a"

[[items]]
n = 1

[[items]]
n = 2

[sub]
k = "v"

[sub.deeper]
z = 1
`},
		"tables of tables need no header": {`{"a": {"b": {"c": 1}}}`, "[a.b]\nc = 1\n"},
		"empty object":                    {`{}`, ""},
		"numbers as written":              {`{"f": 1.50e+3, "i": -0}`, "f = 1.50e+3\ni = -0\n"},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := Formatter{}.Encode(sdk.Value{JSON: []byte(tc.in)}, sdk.StyleFile)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("Encode(%s)\n got:\n%s\nwant:\n%s", tc.in, got, tc.want)
			}
		})
	}
}

func TestEncodeRefuses(t *testing.T) {
	for name, tc := range map[string]struct{ in, msg string }{
		"null":             {`{"spec": {"items": [{"x": null}]}}`, "cannot encode key spec.items[0].x: TOML has no null"},
		"null in a table":  {`{"a b": {"c": null}}`, `cannot encode key "a b".c: TOML has no null`},
		"big integer":      {`{"n": 123456789012345678901234567890}`, "cannot encode key n: 123456789012345678901234567890 does not fit in a TOML integer"},
		"huge float":       {`{"f": 1e400}`, "cannot encode key f: 1e400 is beyond the range of a TOML float"},
		"top-level array":  {`[1, 2]`, "cannot encode an array as TOML"},
		"top-level string": {`"s"`, "cannot encode a string as TOML"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Formatter{}.Encode(sdk.Value{JSON: []byte(tc.in), Source: "orders/o1.json", Line: 3}, sdk.StyleFile)
			var e *sdk.Error
			if !errors.As(err, &e) {
				t.Fatalf("Encode(%s) = %v; want an *sdk.Error", tc.in, err)
			}
			if e.Source != "orders/o1.json" || e.Line != 3 || !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("Encode(%s) error %q at %s:%d; want %q at orders/o1.json:3", tc.in, e.Msg, e.Source, e.Line, tc.msg)
			}
		})
	}
}
