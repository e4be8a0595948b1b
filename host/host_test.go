package host_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/resource-sync/resource-sync/host"
	"github.com/resource-sync/resource-sync/internal/wire"
	"github.com/resource-sync/resource-sync/internal/wire/pluginserver"
	"github.com/resource-sync/resource-sync/internal/wire/toproto"
	"github.com/resource-sync/resource-sync/plugins/dir"
	"github.com/resource-sync/resource-sync/plugins/hal"
	httpplugin "github.com/resource-sync/resource-sync/plugins/http"
	"github.com/resource-sync/resource-sync/plugins/json"
	"github.com/resource-sync/resource-sync/plugins/simple"
	"github.com/resource-sync/resource-sync/plugins/yamlfile"
	"github.com/resource-sync/resource-sync/sdk"
)

// The test binary doubles as every plugin: started with envServe set, it
// serves that plugin, the way the resource-sync binary serves built-ins.
const envServe = "HOST_TEST_SERVE"

func plugins() []sdk.Plugin {
	return []sdk.Plugin{dir.Plugin(), yamlfile.Plugin(), json.Plugin(), hal.Plugin(), simple.Plugin(), crashing(), echo(), httpplugin.Plugin()}
}

// envOwnKey makes a plugin ignore the key its host issues
// (wire.EnvTLSFD) and make its own, as one built with an SDK from before
// that does.
const envOwnKey = "HOST_TEST_OWN_KEY"

func TestMain(m *testing.M) {
	if name := os.Getenv(envServe); name != "" {
		if os.Getenv(envOwnKey) != "" {
			os.Unsetenv(wire.EnvTLSFD)
		}
		if name == serveTogether {
			pluginserver.ServeTogether(sharedProcess, plugins())
			os.Exit(0)
		}
		for _, p := range plugins() {
			if p.Name == name {
				pluginserver.Serve(p)
				os.Exit(0)
			}
		}
		os.Exit(3)
	}
	if os.Getenv(envHost) != "" {
		runHostThenHang()
	}
	os.Exit(m.Run())
}

func sources(t testing.TB) []host.Source {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var out []host.Source
	for _, p := range plugins() {
		m := host.ManifestFromProto(toproto.Describe_Response(p))
		name := p.Name
		out = append(out, host.Source{Name: name, Path: exe, Manifest: &m, Command: func() *exec.Cmd {
			cmd := exec.Command(exe)
			cmd.Env = append(os.Environ(), envServe+"="+name)
			return cmd
		}})
	}
	return out
}

func newHost(t testing.TB, searchPath ...string) *host.Host {
	t.Helper()
	if searchPath == nil {
		searchPath = []string{}
	}
	h, err := host.New(host.Options{Builtins: sources(t), SearchPath: searchPath, Log: testWriter{t}, Level: hclog.Warn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSyncDirToDirInDependencyOrder(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "out")
	writeFile(t, filepath.Join(src, "order", "o1.json"),
		`{"id":"o1","n":123456789012345678901234567890,"_links":{"self":{"href":"http://x/api/order/o1"},"parent:customer":{"href":"http://x/api/customer/c 1"}}}`)
	writeFile(t, filepath.Join(src, "customer", "c 1.json"),
		`{"id":"c 1","name":"Zoë \"quoted\"","_links":{"self":{"href":"http://x/api/customer/c 1"}}}`)
	h := newHost(t)
	sum, err := h.Sync(context.Background(), host.SyncOptions{Origins: []host.Location{host.At(src)}, Destination: host.At(dst), Format: "json", Schema: "hal"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Read != 2 || sum.Written() != 2 {
		t.Errorf("summary = %+v, want 2 read and written", sum)
	}
	got, err := os.ReadFile(filepath.Join(dst, "order", "o1.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), "123456789012345678901234567890") {
		t.Errorf("big integer lost:\n%s", got)
	}

	// A second run rewrites nothing.
	before, _ := os.Stat(filepath.Join(dst, "order", "o1.json"))
	sum, err = h.Sync(context.Background(), host.SyncOptions{Origins: []host.Location{host.At(src)}, Destination: host.At(dst), Format: "json", Schema: "hal"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Unchanged != 2 || sum.Written() != 0 {
		t.Errorf("second summary = %+v, want 2 unchanged", sum)
	}
	after, _ := os.Stat(filepath.Join(dst, "order", "o1.json"))
	if !before.ModTime().Equal(after.ModTime()) {
		t.Errorf("unchanged file was rewritten: mtime %v -> %v", before.ModTime(), after.ModTime())
	}
}

func TestSyncBadInputWritesNothing(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "out")
	writeFile(t, filepath.Join(src, "a", "good.json"), `{"id":"good","_links":{"self":{"href":"http://x/api/a/good"}}}`)
	writeFile(t, filepath.Join(src, "a", "bad.json"), "{\n  \"id\": \"bad\",\n  oops\n}")
	h := newHost(t)
	_, err := h.Sync(context.Background(), host.SyncOptions{Origins: []host.Location{host.At(src)}, Destination: host.At(dst), Format: "json", Schema: "hal"})
	if err == nil {
		t.Fatal("bad input accepted")
	}
	if !strings.Contains(err.Error(), filepath.Join(src, "a", "bad.json")+":3") {
		t.Errorf("error %q does not name the file and line", err)
	}
	if _, statErr := os.Stat(dst); !errors.Is(statErr, os.ErrNotExist) {
		t.Errorf("destination was created despite the bad input")
	}
}

func TestUnknownFormatListsFormatsAndSearchPath(t *testing.T) {
	h := newHost(t, "/nowhere/plugins")
	_, err := h.Sync(context.Background(), host.SyncOptions{Destination: host.At(t.TempDir() + "/x"), Format: "toml", Schema: "hal"})
	var usage *host.UsageError
	if !errors.As(err, &usage) {
		t.Fatalf("error %v is not a usage error", err)
	}
	for _, want := range []string{`"toml"`, "json", "/nowhere/plugins"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
