package host

import (
	"bytes"
	"math/rand/v2"
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

// TestSpillReadsBack puts bodies of every size, from empty to more than
// the write buffer, and gets them back in the order they were put, in
// two interleaved runs, at random, and while more are put.
func TestSpillReadsBack(t *testing.T) {
	s, err := newSpill()
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	rng := rand.New(rand.NewPCG(1, 2))
	var bodies [][]byte
	var spans []span
	check := func(i int) {
		t.Helper()
		got, err := s.get(spans[i])
		if err != nil || !bytes.Equal(got, bodies[i]) {
			t.Fatalf("body %d (%d bytes at %d): got %d bytes, %v", i, spans[i].n, spans[i].off, len(got), err)
		}
	}
	for i := range 3000 {
		var n int
		switch {
		case i%500 == 7:
			n = spillBuffer + rng.IntN(3*spillChunkSize) // written directly
		case i%50 == 3:
			n = spillChunkSize + rng.IntN(spillChunkSize) // read directly
		default:
			n = rng.IntN(3000)
		}
		body := make([]byte, n)
		for j := range body {
			body[j] = byte(rng.Uint32())
		}
		sp, err := s.put(body)
		if err != nil {
			t.Fatal(err)
		}
		bodies, spans = append(bodies, body), append(spans, sp)
		if i%7 == 0 {
			check(rng.IntN(len(bodies))) // while putting, buffered or not
		}
	}
	for i := range bodies {
		check(i)
	}
	half := len(bodies) / 2
	for i := range half {
		check(i)
		check(half + i)
	}
	for range 2000 {
		check(rng.IntN(len(bodies)))
	}
	if same, err := s.same(spans[10], spans[10]); err != nil || !same {
		t.Errorf("a body is not the same as itself: %v", err)
	}
}
