package sdktest

import (
	"fmt"
	"strings"

	"github.com/resource-sync/resource-sync/sdk"
)

// Sample is an awkward value a formatter must give back exactly, after
// rclone's fstests: every one has tripped up some real encoder.
type Sample struct {
	// Name identifies the sample in failures and in FormatterOpt.SkipValues.
	Name string
	// JSON is the value: always a JSON object, since resources are.
	JSON string
}

// rcloneName is fstests' awkward path with the path separators kept:
// here it is a value, not a file name.
const rcloneName = `hello? sausage/êé/Hello, 世界/ \" ' @ < > & ? + ≠`

// Samples returns the awkward values the round-trip checks use. Their
// names are stable, for FormatterOpt.SkipValues.
func Samples() []Sample {
	return []Sample{
		{"unicode", `{"êé": "êé", "世界": "Hello, 世界", "emoji 🎉": "😀 🚀", "combining": "e\u0301"}`},
		{"rclone name", `{"name": "` + rcloneName + `"}`},
		{"spaces and quotes", `{"with space": "a b", " leading": "x", "trailing ": "y", "single": "it's 'quoted'", "double": "say \"hi\"", "key \"quoted\"": "v", "key 'single'": "v"}`},
		{"awkward keys", `{"a.b": 1, "[table]": 2, "#": 3, "=": 4, "12": 5, "true": 6, "-": 7, "key: value": 8}`},
		{"empty strings", `{"": "", "empty": ""}`},
		{"strings like other types", `{"octal": "0755", "bool": "true", "no": "no", "null": "null", "tilde": "~", "date": "2017-01-01", "datetime": "2017-01-01T12:00:00Z", "exponent": "1e20", "int": "12", "float": "0.1", "hex": "0x1F"}`},
		{"integer beyond 2^53", `{"n": 9007199254740993}`},
		{"integer beyond int64", `{"n": 123456789012345678901234567890}`},
		{"floats", `{"tenth": 0.1, "small": 1e-7}`},
		{"numbers as written", `{"exponent": 1e20, "trailing zero": 2.50, "negative": -1, "zero": 0}`},
		{"booleans", `{"yes": true, "no": false}`},
		{"null", `{"nothing": null}`},
		{"empty containers", `{"object": {}, "array": []}`},
		{"empty object", `{}`},
		{"nested lists of maps", `{"items": [{"a": [{"b": [1, 2]}, {}]}, {"c": "d"}], "matrix": [[1, 2], [], [[3]]]}`},
		{"mixed list", `{"mixed": [1, "two", true, {"four": 4}, [5]]}`},
		{"deep nesting", `{"a": {"b": {"c": {"d": {"e": "deep"}}}}}`},
		{"multi-line strings", `{"trailing newline": "line 1\nline 2\n", "no trailing newline": "line 1\nline 2", "only newline": "\n", "crlf": "a\r\nb", "tab": "a\tb", "quotes at the end": "he said \"\"\""}`},
		{"leading and trailing spaces", `{"padded": "  padded  ", "whitespace": " \t ", "newline first": "\nafter"}`},
		{"special characters", `{"controls": "\u0001\u001f\u007f", "backslash": "C:\\path\\", "html": "<b>&amp;</b>", "hash": "# not a comment", "colon": "key: value", "dash": "- item", "brackets": "[not] {a} table"}`},
	}
}

// largeValue is a value of at least size bytes: over gRPC's default 4 MiB
// message limit it shows that the plugin raised its limits both ways.
func largeValue(size int) []byte {
	var b strings.Builder
	b.WriteString(`{"blob": "`)
	line := `0123456789 abcdefghijklmnopqrstuvwxyz êé 世界 \"quoted\"\n`
	for b.Len() < size {
		b.WriteString(line)
	}
	b.WriteString(`", "tail": [`)
	for i := range 100 {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, `{"n": %d}`, i)
	}
	b.WriteString("]}")
	return mustCanonical(b.String())
}

// largeSize is comfortably over gRPC's default limit.
const largeSize = 5 << 20

// mustCanonical is the canonical form of a sample the kit wrote itself.
func mustCanonical(s string) []byte {
	out, err := sdk.CanonicalJSON([]byte(s))
	if err != nil {
		panic(fmt.Sprintf("sdktest: invalid sample %s: %v", s, err))
	}
	return out
}
