package diff

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/iostreams"
	"github.com/resource-sync/resource-sync/plugins/snapshot/store"
)

func TestNewCmdDiff(t *testing.T) {
	for _, c := range []struct {
		args []string
		want Options
		err  bool
	}{
		{args: []string{"b", "first"}, want: Options{Dir: "b", Old: "first"}},
		{args: []string{"--name-only", "b", "2026-11-29", "2026-11-30"}, want: Options{Dir: "b", Old: "2026-11-29", New: "2026-11-30", NameOnly: true}},
		{args: []string{"b"}, err: true},
		{args: []string{"b", "x", "y", "z"}, err: true},
	} {
		ios, _, _, _ := iostreams.Test()
		var got *Options
		cmd := NewCmdDiff(&cmdutil.Factory{IO: ios}, func(o *Options) error { got = o; return nil })
		cmd.SetArgs(c.args)
		cmd.SetOut(ios.ErrOut)
		cmd.SetErr(ios.ErrOut)
		err := cmd.Execute()
		if c.err {
			if err == nil {
				t.Errorf("%v: no error", c.args)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", c.args, err)
			continue
		}
		got.IO = nil
		if diff := cmp.Diff(c.want, *got); diff != "" {
			t.Errorf("%v (-want +got):\n%s", c.args, diff)
		}
	}
}

func TestCompare(t *testing.T) {
	e := func(typ, id, hash string) store.Entry { return store.Entry{Type: typ, ID: id, Hash: hash} }
	old := []store.Entry{e("a", "1", "h1"), e("a", "2", "h2"), e("b", "1", "h3"), e("c", "9", "h9")}
	newer := []store.Entry{e("a", "1", "h1"), e("a", "3", "h4"), e("b", "1", "h5"), e("d", "1", "h6")}
	changes, unchanged := compare(old, newer)
	var got []string
	for _, c := range changes {
		k := c.action + " "
		if c.old != nil {
			k += c.old.Key()
		}
		k += "->"
		if c.new != nil {
			k += c.new.Key()
		}
		got = append(got, k)
	}
	want := []string{"deleted a/2->", "created ->a/3", "updated b/1->b/1", "deleted c/9->", "created ->d/1"}
	if diff := cmp.Diff(want, got); diff != "" || unchanged != 1 {
		t.Errorf("compare: unchanged %d, changes (-want +got):\n%s", unchanged, diff)
	}
}
