package sdktest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
	"github.com/resource-sync/resource-sync/sdk/sdktest"
)

// envBroken lets TestBrokenPlugins run: only in the child that
// TestKitCatchesBrokenPlugins starts, which expects it to fail.
const envBroken = "SDKTEST_SELF_TEST_BROKEN"

// TestKitCatchesBrokenPlugins runs the checks against plugins with known
// bugs, in a child test process, and expects exactly the checks those bugs
// break to fail: a check that cannot fail proves nothing.
func TestKitCatchesBrokenPlugins(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the test binary again")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), exe, "-test.run=^TestBrokenPlugins$/^(Formatter|Endpoint|Schema)$/^InProcess$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), envBroken+"=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("the broken plugins' tests should fail, got error %v; output:\n%s", err, out)
	}
	for _, want := range []struct {
		check  string
		result string
	}{
		{"Formatter/InProcess/Describe", "PASS"},
		{"Formatter/InProcess/RoundTrip", "FAIL"},
		{"Formatter/InProcess/Rewrite", "FAIL"},
		{"Formatter/InProcess/Large", "FAIL"},
		{"Formatter/InProcess/Batches", "PASS"},
		{"Formatter/InProcess/Cancel", "PASS"},
		{"Formatter/InProcess/Garbage", "FAIL"},
		{"Endpoint/InProcess/Describe", "PASS"},
		{"Endpoint/InProcess/ReadBack", "PASS"},
		{"Endpoint/InProcess/Rewrite", "FAIL"},
		{"Endpoint/InProcess/Replace", "FAIL"},
		{"Endpoint/InProcess/Large", "PASS"},
		{"Endpoint/InProcess/Batches", "PASS"},
		{"Endpoint/InProcess/Cancel", "SKIP"},
		{"Endpoint/InProcess/HeldCommits", "FAIL"},
		{"Endpoint/InProcess/Fetch", "SKIP"},
		{"Endpoint/InProcess/Inventory", "SKIP"},
		{"Endpoint/InProcess/EscapingIDs", "FAIL"},
		{"Endpoint/InProcess/Delete", "FAIL"},
		{"Schema/InProcess/Describe", "FAIL"},
		{"Schema/InProcess/Cases", "FAIL"},
		{"Schema/InProcess/Promises", "FAIL"},
	} {
		line := regexp.MustCompile(`(?m)^\s*--- ` + want.result + `: TestBrokenPlugins/` + regexp.QuoteMeta(want.check) + ` `)
		if !line.Match(out) {
			t.Errorf("want %s to %s", want.check, want.result)
		}
	}
	for _, msg := range []string{
		"integer beyond 2^53: the value did not survive Encode and Decode",
		`the decoded value has TypeHint ""`,
		"rewriting changes the document",
		"want the document's",
		"status STATUS_WRITTEN, want [STATUS_UNCHANGED]",
		"reports 0 resources removed; want 1",
		"status STATUS_WRITTEN; an id that would leave the location must fail",
		"escape.json appeared",
		`thing/"delete me" is read back but should not be there`,
		"reported written while the commits were held",
		"the schema has no summary",
		`is not an *sdk.Error at the value's source and line`,
		"its body is not canonical JSON",
		`link "/relative" is not absolute`,
		"classified as sloppy/x; want the error",
	} {
		if !regexp.MustCompile(regexp.QuoteMeta(msg)).Match(out) {
			t.Errorf("want a failure saying %q", msg)
		}
	}
	if t.Failed() {
		t.Logf("the broken plugins' test output:\n%s", out)
	}
}

func TestBrokenPlugins(t *testing.T) {
	if os.Getenv(envBroken) == "" {
		t.Skip("run by TestKitCatchesBrokenPlugins, which expects it to fail")
	}
	t.Run("Formatter", func(t *testing.T) {
		sdktest.RunFormatter(t, sdktest.FormatterOpt{Plugin: testPlugin(), Name: "lossy"})
	})
	t.Run("Endpoint", func(t *testing.T) {
		sdktest.RunEndpoint(t, sdktest.EndpointOpt{
			Plugin:             testPlugin(),
			Name:               "leaky",
			Location:           func(t *testing.T) string { return filepath.Join(t.TempDir(), "location") },
			RefusesEscapingIDs: true,
			ExpectUnchanged:    true,
			SkipCancel:         true,
		})
	})
	t.Run("Schema", func(t *testing.T) {
		sdktest.RunSchema(t, sdktest.SchemaOpt{Plugin: testPlugin(), Name: "sloppy", Cases: []sdktest.SchemaCase{
			{Name: "wrong type", JSON: `{"id": 1}`, Want: []sdk.Resource{{ID: "1", Type: "thing"}}},
			{Name: "no error", JSON: `{"id": []}`, WantError: "id is a list"},
		}})
	})
}

// lossyFormatter has the bugs of a naive formatter: numbers go through
// float64, decoded values lose the document's context, errors do not say
// which document they are about, and keys come out in Go's random map
// order.
type lossyFormatter struct{}

func (lossyFormatter) Decode(doc sdk.Document) ([]sdk.Value, error) {
	var v any
	if err := json.Unmarshal(doc.Content, &v); err != nil {
		return nil, err
	}
	out, err := sdk.MarshalCanonical(v)
	if err != nil {
		return nil, err
	}
	return []sdk.Value{{JSON: out, Source: doc.Source, URI: doc.URI, Location: doc.Location}}, nil
}

func (lossyFormatter) Encode(v sdk.Value, _ sdk.Style) ([]byte, error) {
	parsed, err := sdk.UnmarshalJSON(v.JSON)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := writeUnsorted(&buf, parsed); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// writeUnsorted writes v as JSON with object keys in map order.
func writeUnsorted(buf *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case map[string]any:
		buf.WriteByte('{')
		n := 0
		for k, e := range v {
			if n++; n > 1 {
				buf.WriteByte(',')
			}
			key, _ := json.Marshal(k)
			buf.Write(key)
			buf.WriteByte(':')
			if err := writeUnsorted(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeUnsorted(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	default:
		out, err := sdk.MarshalCanonical(v)
		if err != nil {
			return err
		}
		buf.Write(out)
	}
	return nil
}
