package sync

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/builtin"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/iostreams"
	"github.com/resource-sync/resource-sync/host"
)

func TestNewCmdSync(t *testing.T) {
	type parsed struct {
		Origins        []string
		Destination    string
		Format, Schema string
		Follow         string
		Rm             bool
		Given          []host.GivenOption
	}
	defaults := func(p parsed) parsed {
		if p.Schema == "" {
			p.Schema = "hal"
		}
		if p.Follow == "" {
			p.Follow = "page"
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
		"endpoint options, in order, with their scope": {
			args: []string{"-b", "5", "-l", "20", "--to-limit", "7", "-H", "X-A: 1", "--from-header", "X-B: 2", "--insecure",
				"--to-keep-links=false", "-o", "acme-key=${env:K}", "-o", "to-zone=eu", "--rm", "a", "out"},
			want: parsed{Origins: []string{"a"}, Destination: "out", Rm: true, Given: []host.GivenOption{
				{Scope: host.ScopeAny, Name: "batch-size", Value: "5", Flag: "--batch-size", Lenient: true},
				{Scope: host.ScopeAny, Name: "limit", Value: "20", Flag: "--limit", Lenient: true},
				{Scope: host.ScopeDestination, Name: "limit", Value: "7", Flag: "--to-limit"},
				{Scope: host.ScopeAny, Name: "header", Value: "X-A: 1", Flag: "--header", Lenient: true},
				{Scope: host.ScopeOrigins, Name: "header", Value: "X-B: 2", Flag: "--from-header"},
				{Scope: host.ScopeAny, Name: "insecure", Value: "true", Flag: "--insecure", Lenient: true},
				{Scope: host.ScopeDestination, Name: "keep-links", Value: "false", Flag: "--to-keep-links"},
				{Scope: host.ScopeAny, Name: "acme-key", Value: "${env:K}", Flag: "-o acme-key"},
				{Scope: host.ScopeDestination, Name: "zone", Value: "eu", Flag: "-o to-zone"},
			}},
		},
		"no destination":               {args: []string{}, wantErr: "missing DESTINATION"},
		"int option below its minimum": {args: []string{"-b", "0", "a", "out"}, wantErr: `invalid argument "0" for "-b, --batch-size" flag: must be at least 1`},
		"int option not a number":      {args: []string{"-l", "ten", "a", "out"}, wantErr: `invalid argument "ten" for "-l, --limit" flag: not a whole number`},
		"bool option with a value":     {args: []string{"--insecure=maybe", "a", "out"}, wantErr: `invalid argument "maybe" for "--insecure" flag: not true or false`},
		"-o without =":                 {args: []string{"-o", "token", "a", "out"}, wantErr: `invalid argument "token" for "-o, --option" flag: want NAME=VALUE`},
		"origin is destination":        {args: []string{"./data/", "data"}, wantErr: "origin and destination are the same: ./data/"},
		"stdin and stdout is fine":     {args: []string{"-", "-"}, want: parsed{Origins: []string{"-"}, Destination: "-"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *Options
			cmd := NewCmdSync(&cmdutil.Factory{IO: ios, EndpointOptions: builtin.EndpointOptions()}, func(o *Options) error { got = o; return nil })
			cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.FlagError{Err: err} })
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
				Follow: got.Follow, Rm: got.Plan.Rm, Given: got.Given()}
			if diff := cmp.Diff(defaults(tc.want), have); diff != "" {
				t.Errorf("parsed options (-want +got):\n%s", diff)
			}
		})
	}
}
