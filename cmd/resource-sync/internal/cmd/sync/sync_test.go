package sync

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/iostreams"
)

func TestNewCmdSync(t *testing.T) {
	type parsed struct {
		Origins             []string
		Destination         string
		Format, Schema      string
		Follow              string
		Rm                  bool
		BatchSize, Limit    int
		MaxAttempts         int
		Headers, AllowHosts []string
	}
	defaults := func(p parsed) parsed {
		if p.Schema == "" {
			p.Schema = "hal"
		}
		if p.Follow == "" {
			p.Follow = "page"
		}
		if p.BatchSize == 0 {
			p.BatchSize = 1
		}
		if p.Limit == 0 {
			p.Limit = 100
		}
		if p.MaxAttempts == 0 {
			p.MaxAttempts = 3
		}
		return p
	}
	tests := map[string]struct {
		args    []string
		want    parsed
		wantErr string
	}{
		"destination only": {
			args: []string{"out"},
			want: parsed{Origins: []string{}, Destination: "out"},
		},
		"several origins": {
			args: []string{"a", "b.yaml", "http://h/api/", "out"},
			want: parsed{Origins: []string{"a", "b.yaml", "http://h/api/"}, Destination: "out"},
		},
		"last format flag wins": {
			args: []string{"-j", "-y", "--json", "a", "out"},
			want: parsed{Origins: []string{"a"}, Destination: "out", Format: "json"},
		},
		"format by name": {
			args: []string{"--format", "toml", "a", "out"},
			want: parsed{Origins: []string{"a"}, Destination: "out", Format: "toml"},
		},
		"last schema flag wins": {
			args: []string{"--simple", "--hal", "-s", "a", "out"},
			want: parsed{Origins: []string{"a"}, Destination: "out", Schema: "simple"},
		},
		"follow flags": {
			args: []string{"-a", "-n", "a", "out"},
			want: parsed{Origins: []string{"a"}, Destination: "out", Follow: "none"},
		},
		"http options": {
			args: []string{"-b", "5", "-l", "20", "-m", "1", "-H", "X-A: 1", "-H", "X-B: 2", "--allow-host", "cdn", "--rm", "a", "out"},
			want: parsed{Origins: []string{"a"}, Destination: "out", Rm: true, BatchSize: 5, Limit: 20, MaxAttempts: 1,
				Headers: []string{"X-A: 1", "X-B: 2"}, AllowHosts: []string{"cdn"}},
		},
		"no destination":           {args: []string{}, wantErr: "missing DESTINATION"},
		"batch size 0":             {args: []string{"-b", "0", "a", "out"}, wantErr: "invalid value 0 for --batch-size: must be at least 1"},
		"limit below 1":            {args: []string{"-l", "-3", "a", "out"}, wantErr: "invalid value -3 for --limit: must be at least 1"},
		"max attempts 0":           {args: []string{"-m", "0", "a", "out"}, wantErr: "invalid value 0 for --max-attempts: must be at least 1"},
		"max pages 0":              {args: []string{"--max-pages", "0", "a", "out"}, wantErr: "invalid value 0 for --max-pages: must be at least 1"},
		"max body 0":               {args: []string{"--max-body", "0", "a", "out"}, wantErr: "invalid value 0 for --max-body: must be at least 1"},
		"idle timeout 0":           {args: []string{"--idle-timeout", "0s", "a", "out"}, wantErr: "invalid value 0s for --idle-timeout: must be more than 0"},
		"origin is destination":    {args: []string{"./data/", "data"}, wantErr: "origin and destination are the same: ./data/"},
		"client cert without key":  {args: []string{"--client-cert", "c.pem", "a", "out"}, wantErr: "--client-cert and --client-key go together"},
		"stdin and stdout is fine": {args: []string{"-", "-"}, want: parsed{Origins: []string{"-"}, Destination: "-"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *Options
			cmd := NewCmdSync(&cmdutil.Factory{IO: ios}, func(o *Options) error { got = o; return nil })
			cmd.SetArgs(tc.args)
			cmd.SetOut(ios.ErrOut)
			cmd.SetErr(ios.ErrOut)
			err := cmd.Execute()
			if tc.wantErr != "" {
				var flagErr *cmdutil.FlagError
				if !errors.As(err, &flagErr) || err.Error() != tc.wantErr {
					t.Fatalf("error = %v, want the usage error %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			have := parsed{Origins: got.Origins, Destination: got.Destination, Format: got.Format, Schema: got.Schema,
				Follow: got.Follow, Rm: got.Plan.Rm, BatchSize: got.BatchSize, Limit: got.Limit, MaxAttempts: got.MaxAttempts,
				Headers: got.Headers, AllowHosts: got.AllowHosts}
			if diff := cmp.Diff(defaults(tc.want), have); diff != "" {
				t.Errorf("parsed options (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEndpointOptionsKeepSecretsOutOfFlags(t *testing.T) {
	t.Setenv(EnvPassword, "s3cret")
	t.Setenv(EnvToken, "")
	ios, _, _, _ := iostreams.Test()
	o := &Options{IO: ios, Username: "ada", Limit: 7, BatchSize: 1, MaxAttempts: 3, Concurrency: 8, Headers: []string{"A: 1", "B: 2"}, KeepLinks: true}
	got, err := o.endpointOptions()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"limit": "7", "batch-size": "1", "max-attempts": "3", "concurrency": "8",
		"username": "ada", "password": "s3cret", "header": "A: 1\nB: 2", "keep-links": "true"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("endpoint options (-want +got):\n%s", diff)
	}

	t.Setenv(EnvPassword, "")
	empty := &Options{IO: ios, Username: "ada"}
	if _, err := empty.endpointOptions(); err != nil {
		t.Fatalf("an empty password from the environment is still a password: %v", err)
	}

	os.Unsetenv(EnvPassword) // t.Setenv above restores it after the test
	_, err = empty.endpointOptions()
	if err == nil || !strings.Contains(err.Error(), "needs a password: set $"+EnvPassword) {
		t.Errorf("without a password or a terminal: %v", err)
	}
}

// TestLimitFlagsReachTheEndpoint: the HTTP limits an error message names
// (max-body, max-pages, idle-timeout, request-timeout) can be set on the
// command line, and their defaults are passed as they are shown.
func TestLimitFlagsReachTheEndpoint(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want map[string]string
	}{
		{[]string{"a", "out"}, map[string]string{"max-body": "67108864", "max-pages": "100000", "idle-timeout": "2m0s", "request-timeout": "10m0s"}},
		{[]string{"--max-body", "10", "--max-pages", "3", "--idle-timeout", "5s", "--request-timeout", "1m", "a", "out"},
			map[string]string{"max-body": "10", "max-pages": "3", "idle-timeout": "5s", "request-timeout": "1m0s"}},
	} {
		ios, _, _, _ := iostreams.Test()
		var got *Options
		cmd := NewCmdSync(&cmdutil.Factory{IO: ios}, func(o *Options) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		opts, err := got.endpointOptions()
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range tc.want {
			if opts[k] != v {
				t.Errorf("%v: option %s = %q, want %q", tc.args, k, opts[k], v)
			}
		}
	}
}
