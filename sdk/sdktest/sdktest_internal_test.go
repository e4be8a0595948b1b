package sdktest

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/resource-sync/resource-sync/sdk"
)

func TestSamplesAreObjectsWithUniqueNames(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Samples() {
		if seen[s.Name] {
			t.Errorf("two samples named %q", s.Name)
		}
		seen[s.Name] = true
		canon, err := sdk.CanonicalJSON([]byte(s.JSON))
		if err != nil {
			t.Errorf("%s: %v", s.Name, err)
			continue
		}
		if v, _ := sdk.UnmarshalJSON(canon); !isObject(v) {
			t.Errorf("%s: not a JSON object", s.Name)
		}
	}
}

func isObject(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}

func TestIDsAreUniqueSingleNames(t *testing.T) {
	seen := map[string]bool{}
	for _, id := range IDs() {
		if seen[id] || id == "" || strings.ContainsAny(id, `/\`) || strings.HasPrefix(id, ".") {
			t.Errorf("id %q is a duplicate, empty, hidden or holds a path separator", id)
		}
		seen[id] = true
	}
}

func TestUnevenSizes(t *testing.T) {
	for _, n := range append([]int{0, 2, 600}, batchSizes...) {
		sizes := unevenSizes(n)
		sum := 0
		for _, s := range sizes {
			if s <= 0 {
				t.Errorf("unevenSizes(%d) = %v: holds an empty batch", n, sizes)
			}
			sum += s
		}
		if sum != n {
			t.Errorf("unevenSizes(%d) = %v: adds up to %d", n, sizes, sum)
		}
	}
}

func TestKitResourceIsCanonical(t *testing.T) {
	r := kitResource(`quote's "type"`, "a/b", mustCanonical(`{"z": 1, "a": [true]}`))
	canon, err := sdk.CanonicalJSON(r.JSON)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(canon), string(r.JSON)); diff != "" {
		t.Errorf("resource JSON is not canonical (-want +got):\n%s", diff)
	}
}

func TestCompareSnapshots(t *testing.T) {
	before := map[string]string{"a": "directory", "a/f": "file 1", "g": "file 2"}
	after := map[string]string{"a": "directory", "a/f": "file 9", "escape.json": "file 3"}
	got := compareSnapshots(before, after)
	want := []string{"a/f changed", "escape.json appeared", "g was removed"}
	if !slices.Equal(got, want) {
		t.Errorf("compareSnapshots = %q, want %q", got, want)
	}
}

func TestDiffShowsWhereLongValuesPart(t *testing.T) {
	want := []byte(strings.Repeat("a", 1000) + "b")
	got := []byte(strings.Repeat("a", 1000) + "c")
	if d := diff(got, want); !strings.Contains(d, "differ from byte 1000") {
		t.Errorf("diff = %q", d)
	}
}
