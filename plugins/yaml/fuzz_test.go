package yaml

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	jsonformat "github.com/resource-sync/resource-sync/plugins/json"
	"github.com/resource-sync/resource-sync/sdk"
)

var yamlSeeds = []string{
	"", "# c\n", "a: 1\n---\n", "---\n---\nb: 2\n", "a: &a {x: 1}\nb: *a\nc: {<<: *a, y: 2}\n",
	"a: &a [1, *a]\n", "a: 1\na: 2\n", "l: [0755, 1e20, .5, 0x1F, 0o17, 2017-01-01, yes, ~, .inf]\n",
	"s: |+\n  x\n\n", "s: >-\n  folded\n  text\n", "? [a]\n: b\n", "1: a\n'1': b\n",
	"big: 123456789012345678901234567890\n", "t: !!int \"12\"\nu: !!str 12\nv: !!float 1.\n",
	"\"\\U0001F600\": \"\\x7f\\N\\L\"\n", "- - - x\n  - y\n", "a:\n\t- x\n", "%YAML 1.1\n---\na: yes\n",
	"k: &k key\n*k : v\n", "{a: [b, {c: d}], e: ''}", "--- |\n  top\n", "a: !!binary aGVsbG8=\n",
}

func FuzzDecode(f *testing.F) {
	for _, s := range yamlSeeds {
		f.Add([]byte(s))
	}
	for _, v := range awkwardValues {
		encoded, err := Formatter{}.Encode(sdk.Value{JSON: []byte(v)}, sdk.StyleFile)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(encoded)
	}
	f.Fuzz(func(t *testing.T, content []byte) {
		defer watchdog(content)()
		lines := maxLines(content)
		values, err := Formatter{}.Decode(sdk.Document{Content: content, Source: "fuzz.yaml"})
		if err != nil {
			var e *sdk.Error
			if !errors.As(err, &e) || e.Source != "fuzz.yaml" || e.Line < 0 || e.Line > lines+1 {
				t.Fatalf("Decode(%q) error %#v, want an *sdk.Error within %d lines", content, err, lines)
			}
			return
		}
		for _, v := range values {
			if v.Line < 1 || v.Line > lines {
				t.Errorf("value %s on line %d of %d", v.JSON, v.Line, lines)
			}
			canon, err := sdk.CanonicalJSON(v.JSON)
			if err != nil || !bytes.Equal(canon, v.JSON) {
				t.Fatalf("Decode(%q) gave %q, not canonical JSON (%v)", content, v.JSON, err)
			}
			roundTrip(t, v.JSON)
		}
	})
}

// watchdog panics when the input it guards takes longer than a few
// seconds: the fuzzer reports a hang only as a stall, while a panic makes
// it save the input. Call the function it returns when done.
func watchdog(content []byte) (done func()) {
	finished := make(chan struct{})
	go func() {
		select {
		case <-finished:
		case <-time.After(10 * time.Second):
			panic(fmt.Sprintf("input took more than 10s: %q", content))
		}
	}()
	return func() { close(finished) }
}

// maxLines bounds the lines of content: YAML also breaks lines at a lone
// CR and, as YAML 1.1 did, at NEL, LS and PS.
func maxLines(content []byte) int {
	n := 1
	for _, r := range string(content) {
		switch r {
		case '\n', '\r', '\u0085', '\u2028', '\u2029':
			n++
		}
	}
	return n
}

// FuzzRoundTrip feeds whatever the JSON formatter accepts through YAML and
// back. Most mutations are not JSON, so the input is also used as a string,
// as a key and inside a list: the emitter's quoting choices meet arbitrary
// text.
func FuzzRoundTrip(f *testing.F) {
	for _, v := range awkwardValues {
		f.Add([]byte(v))
	}
	f.Add([]byte(`[{"id":"a"},{"id":"b"}]`))
	f.Add([]byte("{\"a\":1}\n{\"b\":\"x\\ny\"}\n"))
	f.Add([]byte("ends with space \n"))
	f.Add([]byte("\n\n  x\n\n"))
	f.Fuzz(func(t *testing.T, content []byte) {
		defer watchdog(content)()
		// JSON strings hold valid UTF-8 only; MarshalCanonical would
		// write an invalid byte as an escaped U+FFFD, which is not canonical.
		s := strings.ToValidUTF8(string(content), "\uFFFD")
		asString, err := sdk.MarshalCanonical(map[string]any{"s": s, s: []any{s, map[string]any{s: s}}})
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, asString)

		values, err := jsonformat.Formatter{}.Decode(sdk.Document{Content: content})
		if err != nil {
			return
		}
		for _, v := range values {
			roundTrip(t, v.JSON)
		}
	})
}
