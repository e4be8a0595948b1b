package json

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/resource-sync/resource-sync/sdk"
)

// decoded is a value as the tests compare it: JSON as text, with its line.
type decoded struct {
	JSON string
	Line int
}

func decodeAll(t *testing.T, content string) ([]decoded, error) {
	t.Helper()
	values, err := Formatter{}.Decode(sdk.Document{Content: []byte(content), Source: "in.json"})
	var got []decoded
	for _, v := range values {
		got = append(got, decoded{string(v.JSON), v.Line})
	}
	return got, err
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []decoded
	}{
		{"object with keys sorted", `{"b": 1, "a": "x"}`, []decoded{{`{"a":"x","b":1}`, 1}}},
		{"BOM before object", "\xef\xbb\xbf{\"a\":1}", []decoded{{`{"a":1}`, 1}}},
		{"object after blank lines", "\n\n  {\"a\":1}\n", []decoded{{`{"a":1}`, 3}}},
		{"nested keys sorted", `{"z":{"y":1,"x":[{"b":2,"a":1}]}}`, []decoded{{`{"z":{"x":[{"a":1,"b":2}],"y":1}}`, 1}}},
		{
			"numbers exactly as written",
			`{"big":123456789012345678901234567890,"beyond53":9007199254740993,"exp":1e20,"negzero":-0,"tiny":1e-7,"trailing0":1.50,"upper":1E+5}`,
			[]decoded{{`{"beyond53":9007199254740993,"big":123456789012345678901234567890,"exp":1e20,"negzero":-0,"tiny":1e-7,"trailing0":1.50,"upper":1E+5}`, 1}},
		},
		{"HTML characters stay literal", `{"h":"<a href=\"x\">&amp;</a>","e":"\u003c\u0026\u003e"}`, []decoded{{`{"e":"<&>","h":"<a href=\"x\">&amp;</a>"}`, 1}}},
		{"unicode literal", `{"s":"日本語 😀 Zoë","e":"\u65e5\ud83d\ude00"}`, []decoded{{`{"e":"日😀","s":"日本語 😀 Zoë"}`, 1}}},
		{"awkward strings", `{"":"","sp":" lead","q":"quotes ' and \"","tab":"a\tb","nl":"multi\nline\n"}`,
			[]decoded{{`{"":"","nl":"multi\nline\n","q":"quotes ' and \"","sp":" lead","tab":"a\tb"}`, 1}}},
		{"brackets inside strings", `{"s":"a]\"}[{","t":"\\"}`, []decoded{{`{"s":"a]\"}[{","t":"\\"}`, 1}}},
		{"scalars are values too", "\"str\"\n42\nnull\ntrue\n", []decoded{{`"str"`, 1}, {`42`, 2}, {`null`, 3}, {`true`, 4}}},
		{"array elements on their lines", "[\n  {\"id\": 1},\n\n  {\"id\": 2}, {\"id\": 3}\n]\n", []decoded{{`{"id":1}`, 2}, {`{"id":2}`, 4}, {`{"id":3}`, 4}}},
		{"empty array", "[ ]", nil},
		{"array elements are not expanded further", `[[1,2],{"a":[]},"]"]`, []decoded{{`[1,2]`, 1}, {`{"a":[]}`, 1}, {`"]"`, 1}}},
		{"JSON Lines", "{\"id\":1}\n\n{\"id\":2}\r\n{\"id\":3}", []decoded{{`{"id":1}`, 1}, {`{"id":2}`, 3}, {`{"id":3}`, 4}}},
		{"concatenated without separators", `{"a":1}{"b":2}"s"[3]`, []decoded{{`{"a":1}`, 1}, {`{"b":2}`, 1}, {`"s"`, 1}, {`3`, 1}}},
		{"arrays in a stream are expanded", "[1, 2]\n[3]\n{\"x\":[]}", []decoded{{`1`, 1}, {`2`, 1}, {`3`, 2}, {`{"x":[]}`, 3}}},
		{"numbers in a stream", "1 2.5\n-0", []decoded{{`1`, 1}, {`2.5`, 1}, {`-0`, 2}}},
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
		Content:   []byte("[{\"a\":1},\n{\"b\":2}]"),
		MediaType: "application/json",
		Source:    "https://api.example.com/api/v1/order",
		URI:       "https://api.example.com/api/v1/order?page=2",
		TypeHint:  "order",
		Location:  "order/o1.json",
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
		msg     string // a part of the message after "invalid JSON: "
	}{
		{"missing value", "{\"a\": 1,\n \"b\": }", 2, "invalid character '}'"},
		{"unterminated object", "{\"a\": 1", 1, "unexpected end of JSON input"},
		{"unterminated object before newline", "{\"a\": 1\n", 1, "unexpected end of JSON input"},
		{"unterminated string over lines", "{\"a\": 1,\n\"b\": \"x", 2, "unexpected end of JSON input"},
		{"bad third line", "{\"a\":1}\n{\"b\":2}\n{oops}", 3, "invalid character 'o'"},
		{"trailing comma in array", "[\n1,\n2,\n]", 4, "invalid character ']'"},
		{"stray closing brace", "{\"a\":1}}", 1, "invalid character '}'"},
		{"comma between stream values", "{\"a\":1},\n{\"b\":2}", 1, "invalid character ','"},
		{"truncated literal", "\n\nnul", 3, "in literal null"},
		{"bare word", "  hello", 1, "invalid character 'h'"},
		{"raw newline in string", "\"abc\ndef\"", 1, "invalid character '\\n' in string literal"},
		{"bad escape on line 3", "{\"a\":\n\n\"x\\u12\"}", 3, "invalid character '\"' in \\u hexadecimal character escape"},
		{"single quotes", "{'a': 1}", 1, "invalid character '\\''"},
		{"missing comma in array", "[\n{\"a\":1}\n{\"b\":2}\n]", 3, "invalid character '{' after array element"},
		{"leading comma in array", "[,1]", 1, "invalid character ','"},
		{"unterminated array", "[1,\n2", 2, "unexpected end of JSON input"},
		{"error inside array element", "[\n{\"a\":1},\n{\"b\":tru}\n]", 3, "invalid character '}' in literal true"},
		{"leading zero", "{\"n\": 0755}", 1, "invalid character '7'"},
		{"NaN", "{\"n\": NaN}", 1, "invalid character 'N'"},
		{"BOM in the middle", "{}\n\xef\xbb\xbf{}", 2, "invalid character 'ï'"},
		// What would otherwise be read silently: a value lost, bytes
		// replaced by U+FFFD, a file holding no resource.
		{"duplicate key", "{\"a\": 1,\n \"b\": 2,\n \"a\": 3}", 3, `duplicate key "a"`},
		{"duplicate key by escape", "[{\"ok\": 1},\n{\"x\": {\"é\": 1,\n\"\\u00e9\": 2}}]", 3, `duplicate key "é"`},
		{"duplicate key in a later line", "{\"a\":1}\n{\"a\":1,\"a\":1}", 2, `duplicate key "a"`},
		{"invalid UTF-8", "{\"a\": \"ok\",\n\"b\": \"caf\xe9\"}", 2, "invalid UTF-8 (byte 0xe9)"},
		{"invalid UTF-8 in a key", "{\n\n\"\xff\": 1}", 3, "invalid UTF-8 (byte 0xff)"},
		{"lone surrogate", "{\"a\":\n\"\\udc00\"}", 2, "a lone UTF-16 surrogate"},
		{"empty", "", 1, "the document is empty"},
		{"whitespace only", " \n\t\r\n  ", 1, "the document is empty"},
		{"BOM only", "\xef\xbb\xbf", 1, "the document is empty"},
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
			if e.Source != "in.json" || e.Line != tt.line {
				t.Errorf("Decode(%q) error at %s:%d, want in.json:%d (%v)", tt.content, e.Source, e.Line, tt.line, err)
			}
			if !strings.HasPrefix(e.Msg, "invalid JSON: ") || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("Decode(%q) message %q, want %q after \"invalid JSON: \"", tt.content, e.Msg, tt.msg)
			}
		})
	}
}

func TestDecodeDeepNesting(t *testing.T) {
	const depth = 500
	content := strings.Repeat(`{"a":[`, depth) + strings.Repeat(`]}`, depth)
	got, err := decodeAll(t, content)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].JSON != content {
		t.Errorf("Decode of %d nested levels changed the value", depth)
	}

	// encoding/json refuses more than 10000 levels; that must be an
	// error for the user, not a crash.
	tooDeep := strings.Repeat("[", 10001) + strings.Repeat("]", 10001)
	if _, err := decodeAll(t, tooDeep); err == nil {
		t.Error("Decode of 10001 nested arrays succeeded, want an error")
	}
}
