package sdk_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/resource-sync/resource-sync/sdk"
)

// encodingJSON is the two-pass canonical form the single pass must match
// byte for byte.
func encodingJSON(data []byte) ([]byte, error) {
	v, err := sdk.UnmarshalJSON(data)
	if err != nil {
		return nil, err
	}
	return sdk.MarshalCanonical(v)
}

var canonicalSeeds = []string{
	`{"b":1,"a":[true,false,null,{"z":"<&>","y":-0.5e+10}]}`,
	` { "a" : 1 , "a" : 2 } `,
	`{"a":{"c":1,"b":2},"a":3,"\u0061":4}`,
	`"\u00e9\ud83d\ude00\ud800\udc00x\ud800\u0041\udc00\/\b\f\n\r\t\u0000\u001f\u007f\u2028\u2029"`,
	"\"raw \xff\xfe bytes \xed\xa0\x80 and \u2028\u2029 and \x7f\"",
	`[1e400,123456789012345678901234567890,-0,0.0,1E-2]`,
	`{"":0,"\"":1,"\\":2," ":3}`,
	`{"\"":1,"\\":2,"a\u001fb":3}`, `{"b":1,"a\nb":2}`, `{"a":1,"a":1}`, `{"a":{"b":[1,{"c":"\u2028"}]}}`,
	`["\u001F","\/","\u0041","\ud800",  1]`, "[\"\u00e9\"]", `{"é":1,"z":2}`,
	`[]`, `{}`, `[[[]]]`, `null`, ` 12 `, `"é"`,
	`{"a":1}{"b":2}`, `{"a":1,}`, `[1,]`, `01`, `1.`, `-`, `tru`, `"\x"`, "\"a\x01\"", `{"a" 1}`, ``, "\xef\xbb\xbf{}",
}

func TestCanonicalJSONMatchesEncodingJSON(t *testing.T) {
	for _, in := range canonicalSeeds {
		checkCanonical(t, []byte(in))
	}
	deep := strings.Repeat("[", 10001) + strings.Repeat("]", 10001)
	checkCanonical(t, []byte(deep))
	checkCanonical(t, []byte(deep[1:len(deep)-1]))
}

func FuzzCanonicalJSON(f *testing.F) {
	for _, s := range canonicalSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkCanonical(t, data)
	})
}

// checkCanonical compares both paths on data, and the strict one: it may
// only refuse what it is meant to, and otherwise agrees.
func checkCanonical(t *testing.T, data []byte) {
	t.Helper()
	want, wantErr := encodingJSON(data)
	got, err := sdk.CanonicalJSON(data)
	if is, want := sdk.IsCanonicalJSON(data), err == nil && bytes.Equal(got, data); is != want {
		t.Fatalf("IsCanonicalJSON(%q) = %t, but CanonicalJSON gives %q (error %v)", data, is, got, err)
	}
	if err == nil && !sdk.IsCanonicalJSON(got) {
		t.Fatalf("IsCanonicalJSON(%q) = false for CanonicalJSON's own output", got)
	}
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("CanonicalJSON(%q) error = %v, encoding/json's = %v", data, err, wantErr)
	}
	if err != nil {
		if err.Error() != wantErr.Error() {
			t.Errorf("CanonicalJSON(%q) error = %q, want encoding/json's %q", data, err, wantErr)
		}
		return
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("CanonicalJSON(%q) = %q, encoding/json gives %q", data, got, want)
	}
	strict, err := sdk.CanonicalJSONStrict(data)
	var jerr *sdk.JSONError
	switch {
	case err == nil && !bytes.Equal(strict, want):
		t.Fatalf("CanonicalJSONStrict(%q) = %q, want %q", data, strict, want)
	case err != nil && !errors.As(err, &jerr):
		t.Fatalf("CanonicalJSONStrict(%q) error %v is not a *JSONError", data, err)
	case err != nil && (jerr.Offset < 0 || jerr.Offset >= len(data)):
		t.Fatalf("CanonicalJSONStrict(%q) error at offset %d, outside the input", data, jerr.Offset)
	case err != nil && strings.HasPrefix(jerr.Msg, "invalid UTF-8") && utf8.Valid(data):
		t.Fatalf("CanonicalJSONStrict(%q) refused valid UTF-8: %v", data, err)
	case err == nil && !utf8.Valid(data):
		t.Fatalf("CanonicalJSONStrict(%q) accepted invalid UTF-8", data)
	}
}

func TestCanonicalJSONStrictRefuses(t *testing.T) {
	tests := []struct {
		in     string
		offset int
		msg    string
	}{
		{`{"a":1,"b":2,"a":3}`, 13, `duplicate key "a"`},
		{`{"x":{"b":1,"\u0062":2}}`, 12, `duplicate key "b"`},
		{`{"b":1,"a":1,"b":2,"a":2}`, 13, `duplicate key "b"`},
		{"{\"a\":\"\xff\"}", 6, "invalid UTF-8 (byte 0xff)"},
		{"[\"ok\",\"\xe6\x97\"]", 7, "invalid UTF-8 (byte 0xe6)"},
		{`["\ud800"]`, 2, `invalid Unicode escape \ud800: a lone UTF-16 surrogate`},
	}
	for _, tt := range tests {
		_, err := sdk.CanonicalJSONStrict([]byte(tt.in))
		var jerr *sdk.JSONError
		if !errors.As(err, &jerr) || jerr.Offset != tt.offset || jerr.Msg != tt.msg {
			t.Errorf("CanonicalJSONStrict(%q) error = %#v, want offset %d %q", tt.in, err, tt.offset, tt.msg)
		}
	}
}

func BenchmarkCanonicalJSON(b *testing.B) {
	doc := []byte(`{"_links":{"parent:customer":{"href":"http://localhost/api/v1/customer/c0000001"},"self":{"href":"http://localhost/api/v1/order/o0000001"}},"billing":{"address":["10 Downing Street","Flat \"B\""],"city":"London"},"currency":"EUR","id":"o0000001","lines":[{"quantity":1,"sku":"BOOK-1","unit_price":12.50},{"quantity":2,"sku":"PEN-042","unit_price":1e2}],"note":"Leave at the door. Ring twice. Ne pas plier. 壊れ物注意。","placed_at":"2017-01-01T09:30:00Z","status":"shipped","total":12.5}`)
	for _, bc := range []struct {
		name string
		f    func([]byte) ([]byte, error)
	}{
		{"single-pass", sdk.CanonicalJSON},
		{"encoding-json", encodingJSON},
		{"check", func(d []byte) ([]byte, error) {
			if !sdk.IsCanonicalJSON(d) {
				return nil, errors.New("not canonical")
			}
			return d, nil
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.f(doc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
