package yaml

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
)

// treeEncode is the emitter Encode had before it walked canonical bytes:
// it decodes the value into maps and slices and writes the tree. It is
// kept as the reference Encode must agree with byte for byte.
func treeEncode(value []byte) ([]byte, error) {
	tree, err := sdk.UnmarshalJSON(value)
	if err != nil {
		return nil, err
	}
	e := emitter{}
	e.buf = append(e.buf, "---\n"...)
	treeNode(&e, tree, 0, atTop)
	return e.buf, nil
}

func treeNode(e *emitter, v any, col int, pos position) {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 0 {
			e.scalar("{}", pos)
			return
		}
		col = e.openCollection(col, pos)
		for i, k := range slices.Sorted(maps.Keys(v)) {
			e.key(k, col, i == 0 && pos == afterDash)
			treeNode(e, v[k], col, afterKey)
		}
	case []any:
		if len(v) == 0 {
			e.scalar("[]", pos)
			return
		}
		col = e.openCollection(col, pos)
		for i, item := range v {
			if i > 0 || pos != afterDash {
				e.indent(col)
			}
			e.buf = append(e.buf, '-')
			treeNode(e, item, col, afterDash)
		}
	case string:
		e.str(v, col, pos)
	case json.Number:
		e.scalar(string(v), pos)
	case bool:
		e.scalar(strconv.FormatBool(v), pos)
	case nil:
		e.scalar("null", pos)
	default:
		panic(fmt.Sprintf("unexpected %T in decoded JSON", v))
	}
}

// FuzzEncode checks Encode against treeEncode, for any input: the same
// YAML, or both refusing it.
func FuzzEncode(f *testing.F) {
	for _, v := range awkwardValues {
		f.Add([]byte(v))
	}
	f.Add([]byte(` { "b" : [ 1 , {"z":1,"a":[]} ] , "a" : "x\ny" , "a" : 2 } `))
	f.Add([]byte(`{"k":"\u00e9\ud83d\ude00\/"}`))
	f.Add([]byte("\"\xff\""))
	f.Add([]byte(`[1] 2`))
	f.Fuzz(func(t *testing.T, value []byte) {
		want, wantErr := treeEncode(value)
		got, err := Formatter{}.Encode(sdk.Value{JSON: value}, sdk.StyleFile)
		switch {
		case (err != nil) != (wantErr != nil):
			t.Fatalf("Encode(%q): error %v, the tree emitter's %v", value, err, wantErr)
		case err == nil && string(got) != string(want):
			t.Fatalf("Encode(%q) =\n%s\nthe tree emitter wrote\n%s", value, got, want)
		}
	})
}

// FuzzQuoting checks the shortcuts of readAsNonString and hasEscapable
// against the checks they shorten.
func FuzzQuoting(f *testing.F) {
	for _, s := range []string{"yes", "OFF", "~", "<<", "1_000", "-.inf", ".5", "+", "-x", "falsey", "Kelvin", "é\u0085", "\x7fx", "a\tb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := hasEscapable(s), strings.ContainsFunc(s, needsEscape); got != want {
			t.Errorf("hasEscapable(%q) = %v, want %v", s, got, want)
		}
		if s == "" {
			return
		}
		want := yaml11Words[strings.ToLower(s)]
		if v, err := resolvePlain(s); err != nil {
			want = true
		} else if _, ok := v.(string); !ok {
			want = true
		}
		c := s[0]
		want = want || isDigit(c) || (c == '+' || c == '-' || c == '.') && (len(s) == 1 || isDigit(s[1]) || s[1] == '.' || s[1] == '_')
		if got := readAsNonString(s); got != want {
			t.Errorf("readAsNonString(%q) = %v, want %v", s, got, want)
		}
	})
}
