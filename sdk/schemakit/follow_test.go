package schemakit

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/resource-sync/resource-sync/sdk"
)

func TestFollows(t *testing.T) {
	t.Parallel()
	relations := []string{"self", "next", "prev", "child:line", "parent:customer", "docs", "", "childish", "Next"}
	for mode, want := range map[sdk.Follow][]string{
		sdk.FollowNone:  nil,
		sdk.FollowPage:  {"next", "prev"},
		sdk.FollowChild: {"next", "prev", "child:line"},
		sdk.FollowAll:   {"next", "prev", "child:line", "parent:customer", "docs", "", "childish", "Next"},
		sdk.Follow(-1):  {"next", "prev"},
	} {
		var got []string
		for _, rel := range relations {
			if Follows(mode, rel) {
				got = append(got, rel)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("mode %v (-want +got):\n%s", mode, diff)
		}
	}
}

func TestLinkSet(t *testing.T) {
	t.Parallel()
	var l linkSet
	for _, uri := range []string{"http://h/2", "/relative", "http://h/1", "http://h/2", "", "http://h/%zz", "http://h/1"} {
		l.Add(uri)
	}
	if diff := cmp.Diff([]string{"http://h/2", "http://h/1"}, l.List()); diff != "" {
		t.Errorf("links (-want +got):\n%s", diff)
	}
	if got := (&linkSet{}).List(); got != nil {
		t.Errorf("empty linkSet lists %q, want nil", got)
	}
}

func TestAppendUnique(t *testing.T) {
	t.Parallel()
	var got []string
	for _, s := range []string{"b", "a", "b", "", ""} {
		got = appendUnique(got, s)
	}
	if diff := cmp.Diff([]string{"b", "a", ""}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
