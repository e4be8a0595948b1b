package prune

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/iostreams"
	"github.com/resource-sync/resource-sync/plugins/snapshot/store"
)

func TestNewCmdPrune(t *testing.T) {
	for _, c := range []struct {
		args []string
		want Options
		err  string
	}{
		{args: []string{"b", "--keep-last", "3"}, want: Options{Dir: "b", Policy: store.Policy{Last: 3}, Wait: 10 * time.Minute}},
		{args: []string{"-n", "--keep-daily", "7", "--keep-weekly", "4", "--wait", "1s", "b"},
			want: Options{Dir: "b", Policy: store.Policy{Daily: 7, Weekly: 4}, DryRun: true, Wait: time.Second}},
		{args: []string{"b"}, err: "give --keep-last, --keep-daily or --keep-weekly"},
		{args: []string{"b", "--keep-last", "-1"}, err: "must not be negative"},
		{args: []string{"--keep-last", "1"}, err: "takes one DIR"},
	} {
		ios, _, _, _ := iostreams.Test()
		var got *Options
		cmd := NewCmdPrune(&cmdutil.Factory{IO: ios}, func(o *Options) error { got = o; return nil })
		cmd.SetArgs(c.args)
		cmd.SetOut(ios.ErrOut)
		cmd.SetErr(ios.ErrOut)
		err := cmd.Execute()
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%v: %v, want %q", c.args, err, c.err)
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
