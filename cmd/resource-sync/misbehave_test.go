package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// misbehaveTimeout bounds one run: a sync with a misbehaving plugin ends
// with an error, it never hangs.
const misbehaveTimeout = 60 * time.Second

// buildPlugin builds the test plugin at pkg into a directory of its own,
// named resource-sync-plugin-NAME, and returns the directory.
func buildPlugin(t *testing.T, name, pkg string) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "resource-sync-plugin-"+name), pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return dir
}

// runWithPlugins runs resource-sync as its own process (the test binary, see
// TestMain) with env added, and returns its exit code and stderr. A run
// still going after misbehaveTimeout is killed and fails the test.
func runWithPlugins(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), misbehaveTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), append([]string{envRunCLI + "=1", "GOTRACEBACK=",
		"XDG_CACHE_HOME=" + t.TempDir(), "RESOURCE_SYNC_CONFIG_DIR=" + t.TempDir()}, env...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("resource-sync %s hung (killed after %v); stderr:\n%s", strings.Join(args, " "), misbehaveTimeout, stderr.String())
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

// A plugin that breaks the protocol stops the sync with an error naming
// it: exit 1, never a panic (which would exit 2) and never a hang.
func TestMisbehavingPlugins(t *testing.T) {
	dir := buildPlugin(t, "misbehave", "../../internal/testplugins/misbehave")
	tests := map[string]struct {
		args []string
		want string // a regexp on stderr
	}{
		"unknown-seq":    {want: `plugin misbehave broke the protocol: it reported a write result for item 10\d\d, which it was never sent`},
		"duplicate":      {want: `plugin misbehave broke the protocol: it reported .+ twice`},
		"staged-twice":   {want: `plugin misbehave broke the protocol: it reported .+ twice`},
		"unknown-status": {want: `plugin misbehave broke the protocol: it reported write status 7 for .+, which this host does not know`},
		"unreported":     {want: `plugin misbehave broke the protocol: it finished its write without reporting .+`},
		// Which of the two depends on whether the host had sent more items
		// by the time the early done arrived.
		"early-done":     {want: `plugin misbehave broke the protocol: it (committed its write before it was sent|finished its write without reporting) .+`},
		"no-done":        {want: `plugin misbehave broke the protocol: it ended its write without saying it committed`},
		"after-done":     {want: `plugin misbehave broke the protocol: it sent write results after saying it committed`},
		"classify-extra": {args: []string{"--schema", "misbehave"}, want: `plugin misbehave broke the protocol: it answered (a request it was never sent|\d+ values with \d+ classify results)`}, // as the next request's answer, when one is in flight
		"classify-short": {args: []string{"--schema", "misbehave"}, want: `plugin misbehave broke the protocol: it answered \d+ values with 0 classify results`},
	}
	for mode, tc := range tests {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			dest := "misbehave://x"
			if strings.HasPrefix(mode, "classify") {
				dest = filepath.Join(t.TempDir(), "out")
			}
			args := append(append([]string{}, tc.args...), examplesDir, dest)
			code, stderr := runWithPlugins(t, []string{"RESOURCE_SYNC_PLUGIN_PATH=" + dir, "MISBEHAVE=" + mode}, args...)
			if code != 1 {
				t.Errorf("exit %d, want 1; stderr:\n%s", code, stderr)
			}
			if !regexp.MustCompile(`(?m)^Error: .*` + tc.want).MatchString(stderr) {
				t.Errorf("stderr does not match %q:\n%s", tc.want, stderr)
			}
			if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine ") {
				t.Errorf("something panicked:\n%s", stderr)
			}
		})
	}
}

// An endpoint without concurrent writes that fails a resource is never
// sent its descendants: customer/c 2 fails, so order/o3 and its line
// orderline/l4 are skipped, and the other nine are written.
func TestFailedParentSkipsDescendantsOfASequentialEndpoint(t *testing.T) {
	dir := buildPlugin(t, "misbehave", "../../internal/testplugins/misbehave")
	log := filepath.Join(t.TempDir(), "received")
	code, stderr := runWithPlugins(t, []string{"RESOURCE_SYNC_PLUGIN_PATH=" + dir, "MISBEHAVE=fail-first", "MISBEHAVE_LOG=" + log},
		examplesDir, "misbehave://x")
	if code != 1 {
		t.Errorf("exit %d, want 1; stderr:\n%s", code, stderr)
	}
	for _, want := range []string{
		"12 read: 9 created, 0 updated, 0 unchanged, 0 deleted, 1 failed, 2 skipped",
		"customer/c 2 (",
		"refused by misbehave",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
	}
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	received := strings.Fields(strings.ReplaceAll(string(data), "c 2", "c_2"))
	slices.Sort(received)
	want := []string{"customer/c1", "customer/c_2", "customer/zoë", "order/o1", "order/o2", "order/o4",
		"orderline/l'5", "orderline/l1", "orderline/l2", "orderline/l3"}
	if !slices.Equal(received, want) {
		t.Errorf("the endpoint received %q, want %q (never order/o3 nor orderline/l4)", received, want)
	}
}
