package watch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/spf13/cobra"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/builtin"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/iostreams"
	"github.com/resource-sync/resource-sync/host"
	"github.com/resource-sync/resource-sync/internal/notify"
)

func TestNewCmdWatch(t *testing.T) {
	type parsed struct {
		Subscriptions, Store, NATS, Listen, MetricsAddr string
		Replicas, Partitions                            int
		Status                                          bool
		Origins                                         []string
		Destination                                     string
		Interval                                        time.Duration
		Delete                                          bool
		MaxDelete                                       string
		ChangeFields                                    []changeRule
		Given                                           []host.GivenOption
	}
	defaults := func(p parsed) parsed {
		if p.Interval == 0 {
			p.Interval = 30 * time.Second
		}
		if p.MaxDelete == "" {
			p.MaxDelete = "50%"
		}
		return p
	}
	tests := map[string]struct {
		args    []string
		env     map[string]string
		want    parsed
		wantErr string
	}{
		"defaults": {
			args: []string{"--subscriptions", "subs.yaml"},
			env:  map[string]string{"XDG_STATE_HOME": "/state"},
			want: parsed{Subscriptions: "subs.yaml", Store: "/state/resource-sync/watch", Listen: "127.0.0.1:8090", Replicas: 1, Partitions: 8},
		},
		"cluster": {
			args: []string{"--subscriptions", "s.yaml", "--nats", "nats://a:4222,nats://b:4222", "--replicas", "3", "--store", "st", "--listen", "", "--metrics-addr", ":9090"},
			want: parsed{Subscriptions: "s.yaml", Store: "st", NATS: "nats://a:4222,nats://b:4222", Replicas: 3, Partitions: 8, MetricsAddr: ":9090"},
		},
		"status": {
			args: []string{"--status", "--store", "st"},
			want: parsed{Store: "st", Listen: "127.0.0.1:8090", Replicas: 1, Partitions: 8, Status: true},
		},
		"a sync": {
			args: []string{"--interval", "5s", "--delete", "--max-delete", "3", "--change-field", "updatedAt=RFC3339", "--change-field", "users:rev",
				"--from-token", "${env:T}", "--store", "st", "http://api/users", "dir"},
			want: parsed{Store: "st", Listen: "127.0.0.1:8090", Replicas: 1, Partitions: 8, Origins: []string{"http://api/users"}, Destination: "dir",
				Interval: 5 * time.Second, Delete: true, MaxDelete: "3",
				ChangeFields: []changeRule{{Field: notify.ChangeField{Field: "updatedAt", Layout: time.RFC3339}}, {Type: "users", Field: notify.ChangeField{Field: "rev"}}},
				Given:        []host.GivenOption{{Scope: host.ScopeOrigins, Name: "token", Value: "${env:T}", Flag: "--from-token"}}},
		},
		"credentials in the NATS URL": {
			args:    []string{"--subscriptions", "s.yaml", "--nats", "nats://me:secret@a:4222"},
			wantErr: "--nats must not carry credentials: give them in a --nats-creds file",
		},
		"nothing to do":     {args: []string{}, wantErr: "watch needs ORIGIN... DESTINATION, --subscriptions FILE, or --status"},
		"no destination":    {args: []string{"http://h/"}, wantErr: "watch needs at least one ORIGIN and the DESTINATION"},
		"status of a sync":  {args: []string{"--status", "a", "b"}, wantErr: "--status takes no ORIGIN or DESTINATION"},
		"stdin":             {args: []string{"-", "out"}, wantErr: "standard input cannot be watched"},
		"same endpoints":    {args: []string{"./data/", "data"}, wantErr: "origin and destination are the same: ./data/"},
		"no interval":       {args: []string{"--interval", "0s", "a", "b"}, wantErr: "--interval must be more than 0"},
		"bad change field":  {args: []string{"--change-field", "a.b", "a", "b"}, wantErr: `invalid argument "a.b" for "--change-field" flag: "a.b" is not a top-level field name`},
		"bad change layout": {args: []string{"--change-field", "t:at=15:04", "a", "b"}, wantErr: "is not a Go time layout with a date"},
		"open to the world without a token": {
			args:    []string{"--subscriptions", "s.yaml", "--listen", "0.0.0.0:8090"},
			wantErr: "the document API on 0.0.0.0:8090 is reachable from other machines: set $RESOURCE_SYNC_WATCH_TOKEN",
		},
		"open to the world with a token": {
			args: []string{"--subscriptions", "s.yaml", "--listen", ":8090", "--store", "st"},
			env:  map[string]string{EnvToken: "t"},
			want: parsed{Subscriptions: "s.yaml", Store: "st", Listen: ":8090", Replicas: 1, Partitions: 8},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Setenv(EnvToken, "")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			io, _, _, _ := iostreams.Test()
			var got *Options
			cmd := NewCmdWatch(&cmdutil.Factory{IO: io, EndpointOptions: builtin.EndpointOptions()}, func(o *Options) error { got = o; return nil })
			cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.FlagError{Err: err} })
			cmd.SetArgs(tc.args)
			cmd.SetOut(io.Out)
			cmd.SetErr(io.ErrOut)
			err := cmd.Execute()
			if tc.wantErr != "" {
				var flagErr *cmdutil.FlagError
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.As(err, &flagErr) {
					t.Fatalf("err = %v, want a usage error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p := parsed{got.Subscriptions, got.Store, got.NATS, got.Listen, got.MetricsAddr, got.Replicas, got.Partitions, got.Status,
				got.Origins, got.Destination, got.Interval, got.Plan.Delete, got.Plan.MaxDelete, got.ChangeFields, got.Given()}
			if diff := cmp.Diff(defaults(tc.want), p, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestWatchRun runs the command: a document PUT to its API reaches the
// subscriber, metrics count it, a second watch on the same store shares the
// embedded server, and --status shows the subscriber.
func TestWatchRun(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, r.Method+" "+r.URL.Path+" "+r.Header.Get("X-Hook-Key")+" "+string(data))
		mu.Unlock()
	}))
	defer hook.Close()
	dir := t.TempDir()
	subs := filepath.Join(dir, "subs.yaml")
	os.WriteFile(subs, []byte(fmt.Sprintf(`resources:
  users:
    endpoint: http://api.company.com/users/{id}
    change: {field: version}
    subscriptions:
      audit:
        endpoint:
          url: %s/audit/{id}
          headers: {X-Hook-Key: "${env:HOOK_KEY}"}
`, hook.URL)), 0o600)
	t.Setenv("HOOK_KEY", "k3y")
	t.Setenv(EnvToken, "")
	store := filepath.Join(dir, "store")

	ctx, cancel := context.WithCancel(context.Background())
	apiAddr, metricsAddr, done, errOut := startWatch(t, ctx, "--subscriptions", subs, "--store", store,
		"--listen", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--partitions", "2")
	if !strings.Contains(errOut.String(), "watching 1 resources for 1 subscriptions; embedded NATS at nats://127.0.0.1:") {
		t.Errorf("start-up line: %q", errOut.String())
	}

	// A second watch on the same store joins the first one's server.
	ctx2, cancel2 := context.WithCancel(context.Background())
	_, _, done2, errOut2 := startWatch(t, ctx2, "--subscriptions", subs, "--store", store, "--listen", "")
	if !strings.Contains(errOut2.String(), "sharing the embedded NATS of another watch") {
		t.Errorf("second start-up line: %q", errOut2.String())
	}

	req, _ := http.NewRequest("PUT", "http://"+apiAddr.String()+"/documents/http://api.company.com/users/7", strings.NewReader(`{"id":7,"version":3}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("PUT: %s", resp.Status)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(bodies)
		mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the subscriber heard nothing")
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	if diff := cmp.Diff([]string{`POST /audit/7 k3y {"id":7,"version":3}`}, bodies); diff != "" {
		t.Errorf("deliveries (-want +got):\n%s", diff)
	}
	mu.Unlock()

	ios, _, out, _ := iostreams.Test()
	status := NewCmdWatch(&cmdutil.Factory{IO: ios}, nil)
	status.SetArgs([]string{"--status", "--store", store})
	if err := status.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "SUBSCRIBER") || !strings.Contains(out.String(), "users/audit") {
		t.Errorf("--status printed %q", out)
	}

	cancel2()
	if err := <-done2; err != nil {
		t.Errorf("second watch: %v", err)
	}
	resp, err = http.Get("http://" + metricsAddr.String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`resource_sync_notify_published_total{outcome="published",resource="users"} 1`, `resource_sync_notify_lag{subscriber="users/audit"} 0`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("watch: %v", err)
	}
	if strings.Contains(errOut.String(), "k3y") {
		t.Error("a secret reached the log")
	}
}

// startWatch runs watch with args until ctx ends; it returns once the
// document API and metrics listen.
func startWatch(t *testing.T, ctx context.Context, args ...string) (api, metrics net.Addr, done chan error, errOut *bytes.Buffer) {
	t.Helper()
	ios, _, _, errOut := iostreams.Test()
	ready := make(chan struct{})
	cmd := NewCmdWatch(&cmdutil.Factory{IO: ios}, func(o *Options) error {
		o.OnReady = func(a, m net.Addr) { api, metrics = a, m; close(ready) }
		return watchRun(ctx, o)
	})
	cmd.SetArgs(args)
	done = make(chan error, 1)
	go func() { done <- cmd.Execute() }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("watch %v: %v\n%s", args, err, errOut)
	case <-time.After(20 * time.Second):
		t.Fatal("watch did not start")
	}
	return api, metrics, done, errOut
}
