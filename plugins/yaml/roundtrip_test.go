package yaml

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
	yamlv3 "go.yaml.in/yaml/v3"
)

// awkwardValues are JSON values the formatter must carry exactly, written
// in canonical form (TestAwkwardValuesAreCanonical checks).
var awkwardValues = []string{
	`{"s":"0755"}`, `{"s":"true"}`, `{"s":"2017-01-01"}`, `{"s":"1e20"}`, `{"s":"null"}`, `{"s":"~"}`,
	`{"s":""}`, `{"s":" lead"}`, `{"s":"trail "}`, `{"s":"a: b"}`, `{"s":"- x"}`, `{"s":"#x"}`,
	`{"s":"yes","t":"no","u":"on","v":"off","w":"y","x":"n","y":"Yes","z":"OFF"}`,
	`{"s":"12","t":".5","u":"-0","v":"0x1F","w":"0o17","x":"1_000","y":"1:30","z":"+1"}`,
	`{"s":".inf","t":"-.Inf","u":".nan","v":"<<","w":"=","x":"---","y":"...","z":"."}`,
	`{"s":"multi\nline\n"}`, `{"s":"no trailing newline\nx"}`, `{"s":"ends with space \n"}`,
	`{"s":"x\n\n"}`, `{"s":"x\n\n\n"}`, `{"s":"\n"}`, `{"s":"\n\n"}`, `{"s":"\nx"}`, `{"s":"\n\nx\n\n"}`,
	`{"s":"a\n\n  b\n"}`, `{"s":" lead\nx"}`, `{"s":"\n lead"}`, `{"s":"a\n \nb"}`, `{"s":"a\r\nb\r\n"}`,
	`{"s":"\ttab\t","t":"a\tb\nc\td\n","u":"\t\n"}`,
	`{"s":"😀 日本語 Zoë","t":"👩‍👩‍👧 🇩🇪","u":"` + "\u00a0nbsp\u00a0" + `"}`,
	`{"s":"quotes ' and \"","t":"'","u":"\"","v":"''","w":"\\"}`,
	`{"s":"<&>","t":"\u0000\u0001\u001f","u":"line\u2028sep\u2029par","v":"` + "\ufeffbom" + `"}`,
	`{"s":"` + "\x7f\u0085\u009f\ufffe\uffff" + `"}`,
	`{"s":"a #b","t":"a#b","u":"a:b","v":"a:","w":"? q","x":"[x]","y":"{x}","z":"%x"}`,
	`{"n":9007199254740993}`, `{"n":123456789012345678901234567890}`, `{"n":-123456789012345678901234567890}`,
	`{"n":-0}`, `{"n":1.5}`, `{"n":1e-7}`, `{"n":0.1}`, `{"n":1E+400}`, `{"n":1.50}`, `{"n":-0.0e-0}`,
	`{"b":true,"f":false,"z":null}`, `{"e":{},"l":[],"n":[{},[],[{}],[[]]]}`,
	`{"":"empty key","\n":"newline key"," ":"space key","0755":"numeric key","12":1,"a\"b":"quote key","null":null,"true":true,"yes":"yes","~":"tilde","ключ":"unicode key"}`,
	`{"a":{"b":{"c":{"d":{"e":{"f":[[[[["deep"]]]]]}}}}}}`,
	`{"l":[[1,[2,[3,{"a":[4,{"b":"5\n"}]}]]],"x\ny",{"":""}]}`,
	`"top-level string"`, `"top\nlevel\n"`, `"0755"`, `42`, `null`, `true`, `[]`, `{}`, `[1,"2",[3]]`,
}

func TestAwkwardValuesAreCanonical(t *testing.T) {
	for _, value := range awkwardValues {
		if canon, err := sdk.CanonicalJSON([]byte(value)); err != nil || string(canon) != value {
			t.Errorf("%s is not canonical: %s %v", value, canon, err)
		}
	}
}

// roundTrip checks the formatter's guarantee for one canonical JSON value:
// JSON -> YAML -> JSON gives the same bytes, and so does YAML -> JSON ->
// YAML.
func roundTrip(t testing.TB, value []byte) {
	t.Helper()
	encoded, err := Formatter{}.Encode(sdk.Value{JSON: value}, sdk.StyleFile)
	if err != nil {
		t.Fatalf("Encode(%s): %v", value, err)
	}
	decoded, err := Formatter{}.Decode(sdk.Document{Content: encoded})
	if err != nil {
		t.Fatalf("Decode(Encode(%s)): %v\n%s", value, err, encoded)
	}
	if len(decoded) != 1 || string(decoded[0].JSON) != string(value) {
		t.Fatalf("JSON -> YAML -> JSON changed the value:\n  %s\n  %s\nvia\n%s", value, values(decoded), encoded)
	}
	again, err := Formatter{}.Encode(decoded[0], sdk.StyleFile)
	if err != nil || string(again) != string(encoded) {
		t.Fatalf("YAML -> JSON -> YAML changed the bytes:\n%s\n%s", encoded, again)
	}
}

func values(vs []sdk.Value) string {
	var s []string
	for _, v := range vs {
		s = append(s, string(v.JSON))
	}
	return strings.Join(s, " | ")
}

func TestRoundTrip(t *testing.T) {
	for _, value := range awkwardValues {
		roundTrip(t, []byte(value))
	}
}

func TestRoundTripDeepNesting(t *testing.T) {
	const depth = 300
	var open, close strings.Builder
	for i := range depth {
		if i%2 == 0 {
			open.WriteString(`{"k` + fmt.Sprint(i) + `":`)
			close.WriteString(`}`)
		} else {
			open.WriteString(`[1,`)
			close.WriteString(`]`)
		}
	}
	value := open.String() + `"multi\nline"` + reverse(close.String())
	roundTrip(t, []byte(value))
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

func TestRoundTripStream(t *testing.T) {
	// A YAML file endpoint concatenates StyleStream documents.
	var stream []byte
	for _, value := range awkwardValues {
		doc, err := Formatter{}.Encode(sdk.Value{JSON: []byte(value)}, sdk.StyleStream)
		if err != nil {
			t.Fatal(err)
		}
		stream = append(stream, doc...)
	}
	decoded, err := Formatter{}.Decode(sdk.Document{Content: stream})
	if err != nil {
		t.Fatal(err)
	}
	if len(decoded) != len(awkwardValues) {
		t.Fatalf("Decode(stream of %d documents) = %d values", len(awkwardValues), len(decoded))
	}
	line := 1
	for i, v := range decoded {
		if string(v.JSON) != awkwardValues[i] {
			t.Errorf("document %d = %s, want %s", i, v.JSON, awkwardValues[i])
		}
		if v.Line != line {
			t.Errorf("document %d on line %d, want %d", i, v.Line, line)
		}
		doc, _ := Formatter{}.Encode(sdk.Value{JSON: []byte(awkwardValues[i])}, sdk.StyleStream)
		line += strings.Count(string(doc), "\n")
	}
}

// TestOtherReaderSeesStrings reads our output with yaml.v3's own resolver,
// which differs from ours (it knows timestamps, for one): every string we
// write must still be read back as that string, keys included.
func TestOtherReaderSeesStrings(t *testing.T) {
	for _, value := range awkwardValues {
		encoded, err := Formatter{}.Encode(sdk.Value{JSON: []byte(value)}, sdk.StyleFile)
		if err != nil {
			t.Fatal(err)
		}
		var theirs any
		if err := yamlv3.Unmarshal(encoded, &theirs); err != nil {
			t.Errorf("yaml.v3 cannot read\n%s: %v", encoded, err)
			continue
		}
		ours, _ := sdk.UnmarshalJSON([]byte(value))
		if diff := sameStrings(ours, theirs); diff != "" {
			t.Errorf("yaml.v3 reads\n%s%s", encoded, diff)
		}
	}
}

// sameStrings compares the strings, bools, nulls and structure of ours
// with another reader's result; numbers are only checked to be numbers.
func sameStrings(ours, theirs any) string {
	switch o := ours.(type) {
	case map[string]any:
		m, ok := theirs.(map[string]any)
		if !ok || len(m) != len(o) {
			return fmt.Sprintf(" as %#v, want a mapping with string keys like %v", theirs, o)
		}
		for k, v := range o {
			if diff := sameStrings(v, m[k]); diff != "" {
				return diff
			}
		}
	case []any:
		l, ok := theirs.([]any)
		if !ok || len(l) != len(o) {
			return fmt.Sprintf(" as %#v, want %v", theirs, o)
		}
		for i := range o {
			if diff := sameStrings(o[i], l[i]); diff != "" {
				return diff
			}
		}
	case json.Number:
		switch theirs.(type) {
		case int, int64, uint64, float64, string:
			// yaml.v3 gives big integers back as strings or floats.
		default:
			return fmt.Sprintf(" %s as %#v", o, theirs)
		}
	default:
		if ours != theirs {
			return fmt.Sprintf(" %#v as %#v", ours, theirs)
		}
	}
	return ""
}
