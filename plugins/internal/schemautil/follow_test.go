package schemautil

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLinks(t *testing.T) {
	t.Parallel()
	var l Links
	for _, uri := range []string{"http://h/2", "/relative", "http://h/1", "http://h/2", "", "http://h/%zz", "http://h/1"} {
		l.Add(uri)
	}
	if diff := cmp.Diff([]string{"http://h/2", "http://h/1"}, l.List()); diff != "" {
		t.Errorf("links (-want +got):\n%s", diff)
	}
	if got := (&Links{}).List(); got != nil {
		t.Errorf("empty Links lists %q, want nil", got)
	}
}

func TestAppendUnique(t *testing.T) {
	t.Parallel()
	var got []string
	for _, s := range []string{"b", "a", "b", "", ""} {
		got = AppendUnique(got, s)
	}
	if diff := cmp.Diff([]string{"b", "a", ""}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
