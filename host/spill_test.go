package host

import (
	"os"
	"runtime"
	"testing"
)

// TestSpillLeavesNoName: the spill file has no name in the temporary
// directory while it is in use (Linux: never had one), so a host killed
// at any moment leaves nothing there; bodies read back as written.
func TestSpillLeavesNoName(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("an open file cannot be unlinked on Windows")
	}
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	s, err := newSpill()
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Errorf("the spill file left %s in the temporary directory", entries[0].Name())
	}
	a, err := s.put([]byte(`{"id":"a"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.put([]byte(`{"id":"b"}`))
	if err != nil {
		t.Fatal(err)
	}
	for sp, want := range map[span]string{a: `{"id":"a"}`, b: `{"id":"b"}`} {
		if got, err := s.get(sp); err != nil || string(got) != want {
			t.Errorf("get(%v) = %q, %v; want %q", sp, got, err, want)
		}
	}
	if _, err := s.get(noBody); err == nil {
		t.Error("a body never read came back without an error")
	}
}
