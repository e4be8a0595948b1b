package json

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
)

func FuzzDecode(f *testing.F) {
	for _, v := range awkwardValues {
		f.Add([]byte(v))
	}
	for _, s := range []string{
		"", " \n", "[]", "[\n{\"a\":1},\n{\"b\":2}\n]", "{\"a\":1}\n{\"b\":2}\n", `{"a":1}{"b":2}`,
		`[[1,2],[3]]`, "{\"a\": 1,\n \"b\": }", `{"a":"\u12"}`, `{"a":1}}`, "\xef\xbb\xbf{}", "\"\xff\"",
		`{"a":1,"a":2}`, `[1,2][3]`, `1 2 -0 1e20`, `[1 2]`, `[1,2`, `[,1]`, `[1]]`, `[{"a":1}{"b":2}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, content []byte) {
		lines := bytes.Count(content, []byte{'\n'}) + 1
		values, err := Formatter{}.Decode(sdk.Document{Content: content, Source: "fuzz.json"})
		if err != nil {
			var e *sdk.Error
			if !errors.As(err, &e) || e.Source != "fuzz.json" || e.Line < 1 || e.Line > lines {
				t.Fatalf("Decode(%q) error %#v, want an *sdk.Error on one of %d lines", content, err, lines)
			}
			return
		}
		// What Decode accepts, encoding/json reads as the same values.
		want, err := decodeStream(content)
		if err != nil {
			t.Fatalf("Decode(%q) accepted what encoding/json refuses: %v", content, err)
		}
		if len(want) != len(values) {
			t.Fatalf("Decode(%q) gave %d values, encoding/json %d", content, len(values), len(want))
		}
		for i, v := range values {
			if !bytes.Equal(v.JSON, want[i]) {
				t.Fatalf("Decode(%q) value %d is %s, encoding/json reads %s", content, i, v.JSON, want[i])
			}
		}
		for _, v := range values {
			if v.Line < 1 || v.Line > lines {
				t.Errorf("value %s on line %d of %d", v.JSON, v.Line, lines)
			}
			canon, err := sdk.CanonicalJSON(v.JSON)
			if err != nil || !bytes.Equal(canon, v.JSON) {
				t.Fatalf("Decode(%q) gave %q, not canonical JSON (%v)", content, v.JSON, err)
			}
			if v.JSON[0] == '[' {
				continue // an array in a document stands for its elements
			}
			for _, style := range []sdk.Style{sdk.StyleFile, sdk.StyleStream} {
				encoded, err := Formatter{}.Encode(v, style)
				if err != nil {
					t.Fatalf("Encode(%s): %v", v.JSON, err)
				}
				again, err := Formatter{}.Decode(sdk.Document{Content: encoded})
				if err != nil || len(again) != 1 || !bytes.Equal(again[0].JSON, v.JSON) {
					t.Fatalf("Decode(Encode(%s, %d)) = %v, %v", v.JSON, style, again, err)
				}
			}
		}
	})
}

// decodeStream is Decode by encoding/json: the canonical JSON of each
// value of a stream, an array standing for its elements.
func decodeStream(content []byte) ([][]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(content, utf8BOM)))
	dec.UseNumber()
	var out [][]byte
	for {
		var v any
		if err := dec.Decode(&v); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		elems := []any{v}
		if arr, ok := v.([]any); ok {
			elems = arr
		}
		for _, e := range elems {
			canon, err := sdk.MarshalCanonical(e)
			if err != nil {
				return nil, err
			}
			out = append(out, canon)
		}
	}
}
