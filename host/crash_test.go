package host_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resource-sync/resource-sync/host"
	"github.com/resource-sync/resource-sync/plugins/hal"
	"github.com/resource-sync/resource-sync/plugins/json"
	"github.com/resource-sync/resource-sync/sdk"
)

// crashing is a formatter that dies on its 50th encode, the way a buggy
// plugin would mid-sync: a panic in a goroutine of its own, which no
// recover in the SDK can catch.
func crashing() sdk.Plugin {
	return sdk.Plugin{Name: "crashing", Version: "0.0.1", Formatters: []sdk.FormatterSpec{{
		Name: "crashjson", Extensions: []string{".crash"}, MediaTypes: []string{"application/x-crash"},
		Formatter: &crashFormatter{},
	}, {
		Name: "panicjson", Extensions: []string{".panic"}, MediaTypes: []string{"application/x-panic"},
		Formatter: panicFormatter{},
	}, {
		Name: "failjson", Extensions: []string{".fail"}, MediaTypes: []string{"application/x-fail"},
		Formatter: failFormatter{},
	}, {
		Name: "refusejson", Extensions: []string{".refuse"}, MediaTypes: []string{"application/x-refuse+json"},
		Formatter: refuseFormatter{},
	}, {
		Name: "crashread", Extensions: []string{".crashread"},
		Formatter: &crashDecoder{},
	}}, Schemas: []sdk.SchemaSpec{{Name: "crashhal", Schema: &crashSchema{}}}}
}

// crashDecoder is json until its 100th document, where it dies.
type crashDecoder struct {
	json.Formatter
	decoded atomic.Int64
}

func (f *crashDecoder) Decode(d sdk.Document) ([]sdk.Value, error) {
	if f.decoded.Add(1) == 100 {
		done := make(chan struct{})
		go func() { panic("crashread: giving up on document 100") }()
		<-done
	}
	return f.Formatter.Decode(d)
}

// crashSchema is the hal schema until its 100th value, where it dies.
type crashSchema struct {
	hal.Schema
	classified atomic.Int64
}

func (s *crashSchema) Classify(v sdk.Value, mode sdk.Follow) (sdk.Classified, error) {
	if s.classified.Add(1) == 100 {
		done := make(chan struct{})
		go func() { panic("crashhal: giving up on value 100") }()
		<-done
	}
	return s.Schema.Classify(v, mode)
}

// panicFormatter panics while decoding, inside the call the SDK guards.
type panicFormatter struct{ json.Formatter }

func (panicFormatter) Decode(sdk.Document) ([]sdk.Value, error) { panic("index out of range [3]") }

func TestPanicInPluginBecomesAnErrorNamingIt(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "out")
	writeFile(t, filepath.Join(src, "t", "a.panic"), `{}`)
	h := newHost(t)
	_, err := h.Sync(context.Background(), host.SyncOptions{Origins: []host.Location{host.At(src)}, Destination: host.At(dst), Format: "json", Schema: "hal"})
	if err == nil || !strings.Contains(err.Error(), "plugin crashing panicked: index out of range [3]") {
		t.Fatalf("error = %v, want the panic named after the plugin", err)
	}
	// The plugin survived its panic and still answers.
	if _, err := h.Sync(context.Background(), host.SyncOptions{Origins: []host.Location{host.At(src)}, Destination: host.At(dst), Format: "crashjson", Schema: "hal"}); err == nil || strings.Contains(err.Error(), "crashed") {
		t.Errorf("after a panic: %v", err)
	}
}

func TestPluginSpeakingAnotherProtocolIsRefused(t *testing.T) {
	bin := t.TempDir()
	// go-plugin's handshake line: core version | app protocol | network | address | protocol.
	script := "#!/bin/sh\necho '1|2|unix|/nonexistent.sock|grpc|'\nsleep 5\n"
	if err := os.WriteFile(filepath.Join(bin, host.BinaryPrefix+"future"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	h := newHost(t, bin)
	_, err := h.Plugin(context.Background(), "future")
	if err == nil || !strings.Contains(err.Error(), "plugin future") || !strings.Contains(err.Error(), "another plugin protocol") {
		t.Fatalf("error = %v, want a protocol mismatch naming the plugin", err)
	}
}

// A plugin process that ends before its handshake line (killed, or
// exiting) is reported as such, with its exit status and stderr, not with
// go-plugin's guesses about architectures and permissions.
func TestPluginDyingBeforeHandshakeSaysSo(t *testing.T) {
	tests := []struct {
		name, script, status string
	}{
		{"killed", "#!/bin/sh\nkill -9 $$\n", "signal: killed"},
		{"exit 1", "#!/bin/sh\necho 'cannot open config' >&2\nexit 1\n", "exit status 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin := t.TempDir()
			if err := os.WriteFile(filepath.Join(bin, host.BinaryPrefix+"dying"), []byte(tt.script), 0o755); err != nil {
				t.Fatal(err)
			}
			_, err := newHost(t, bin).Plugin(context.Background(), "dying")
			if err == nil {
				t.Fatal("a plugin that died at start started")
			}
			want := "plugin dying (" + filepath.Join(bin, host.BinaryPrefix+"dying") + ") failed to start: it exited before its handshake (" + tt.status + ")"
			if !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error = %q, want it to start with %q", err, want)
			}
			if strings.Contains(err.Error(), "architecture") {
				t.Errorf("error %q blames the architecture", err)
			}
			if tt.name == "exit 1" && !strings.Contains(err.Error(), "cannot open config") {
				t.Errorf("error %q lacks the plugin's stderr", err)
			}
		})
	}
}

// failFormatter cannot encode resources whose id starts with "bad", and
// takes its time to say so for "badlate".
type failFormatter struct{ json.Formatter }

func (f failFormatter) Encode(v sdk.Value, style sdk.Style) ([]byte, error) {
	if strings.Contains(string(v.JSON), `"id":"badlate"`) {
		time.Sleep(1500 * time.Millisecond)
	}
	if strings.Contains(string(v.JSON), `"id":"bad`) {
		return nil, &sdk.Error{Source: v.Source, Msg: "cannot encode this one"}
	}
	return f.Formatter.Encode(v, style)
}

// refuseFormatter is json that encodes nothing: a sync that encodes
// fails.
type refuseFormatter struct{ json.Formatter }

func (refuseFormatter) Encode(v sdk.Value, _ sdk.Style) ([]byte, error) {
	return nil, &sdk.Error{Source: v.Source, Msg: "refuses to encode"}
}

func TestEncodeFailureUnderReplaceRemovesNothing(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(src, "t", "good.json"), `{"id":"good","_links":{"self":{"href":"http://x/api/t/good"}}}`)
	writeFile(t, filepath.Join(src, "t", "bad.json"), `{"id":"bad","_links":{"self":{"href":"http://x/api/t/bad"}}}`)
	writeFile(t, filepath.Join(dst, "t", "bad.fail"), `{"id":"bad","old":true}`)
	writeFile(t, filepath.Join(dst, "t", "stale.fail"), `{"id":"stale"}`)
	h := newHost(t)
	_, err := h.Sync(context.Background(), host.SyncOptions{Origins: []host.Location{host.At(src)}, Destination: host.At(dst), Format: "failjson", Schema: "hal", Delete: true})
	if err == nil || !strings.Contains(err.Error(), "cannot encode this one") {
		t.Fatalf("error = %v, want the encode failure", err)
	}
	for _, kept := range []string{"bad.fail", "stale.fail"} {
		if _, err := os.Stat(filepath.Join(dst, "t", kept)); err != nil {
			t.Errorf("--rm removed %s although a resource failed: %v", kept, err)
		}
	}
}

// A resource that cannot be encoded stops the sync before anything lands,
// even once the destination holds more staged files than it commits at a
// time: a directory holds its commits while the host still encodes.
func TestEncodeFailureLateInALongWriteLandsNothing(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "out")
	// More than two of the directory's commits, and more than that before
	// the last encode batch, whose failure comes late: a destination that
	// did not hold its commits would have made its first in the meantime.
	const n = 8700
	for i := range n {
		writeFile(t, filepath.Join(src, "t", fmt.Sprintf("r%05d.json", i)),
			fmt.Sprintf(`{"id":"r%05d","_links":{"self":{"href":"http://x/api/t/r%05d"}}}`, i, i))
	}
	// Its type sorts after t's, so it is encoded last.
	writeFile(t, filepath.Join(src, "u", "badlate.json"), `{"id":"badlate","_links":{"self":{"href":"http://x/api/u/badlate"}}}`)
	var written, skipped int
	h := newHost(t)
	sum, err := h.Sync(context.Background(), host.SyncOptions{Origins: []host.Location{host.At(src)}, Destination: host.At(dst),
		Format: "failjson", Schema: "hal", Events: func(e host.Event) {
			switch e.Outcome {
			case host.OutcomeWritten:
				written++
			case host.OutcomeSkipped:
				skipped++
			}
		}})
	if err == nil || !strings.Contains(err.Error(), "cannot encode this one") {
		t.Fatalf("error = %v, want the encode failure", err)
	}
	if written != 0 || sum.Written() != 0 || skipped != n+1 {
		t.Errorf("%d written (summary: %d), %d skipped; want none written, all %d skipped", written, sum.Written(), skipped, n+1)
	}
	// Sync returns once the destination undid its write: closing the
	// handle waits for the plugin to remove what it staged, however slow
	// the disk, while stopping the plugin would give it a second and a half.
	filepath.WalkDir(dst, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("left behind %s", path)
		}
		return nil
	})
}

// Apply encodes while it writes to a directory, so a dry run asks for
// the encoding to find what Apply would refuse.
func TestDryRunFindsWhatCannotBeEncoded(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "out")
	writeFile(t, filepath.Join(src, "t", "good.json"), `{"id":"good","_links":{"self":{"href":"http://x/api/t/good"}}}`)
	writeFile(t, filepath.Join(src, "t", "bad.json"), `{"id":"bad","_links":{"self":{"href":"http://x/api/t/bad"}}}`)
	h := newHost(t)
	run, err := h.Prepare(context.Background(), host.SyncOptions{Origins: []host.Location{host.At(src)}, Destination: host.At(dst), Format: "failjson", Schema: "hal"})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	var encErr *host.EncodeError
	if err := run.Encode(context.Background()); !errors.As(err, &encErr) || !strings.Contains(err.Error(), "t/bad") {
		t.Fatalf("Encode: %v, want an EncodeError naming t/bad", err)
	}
	if _, err := os.Stat(dst); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the destination was made: %v", err)
	}
}

type crashFormatter struct {
	json.Formatter
	encoded int
}

func (f *crashFormatter) Encode(v sdk.Value, style sdk.Style) ([]byte, error) {
	if f.encoded++; f.encoded == 50 {
		done := make(chan struct{})
		go func() { panic("crashjson: giving up on value 50") }()
		<-done
	}
	return f.Formatter.Encode(v, style)
}

func TestCrashedPluginIsNamedAndNothingHalfWritten(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "out")
	for i := range 200 {
		writeFile(t, filepath.Join(src, "t", fmt.Sprintf("r%03d.json", i)),
			fmt.Sprintf(`{"id":"r%03d","_links":{"self":{"href":"http://x/api/t/r%03d"}}}`, i, i))
	}
	h := newHost(t)
	_, err := h.Sync(context.Background(), host.SyncOptions{Origins: []host.Location{host.At(src)}, Destination: host.At(dst), Format: "crashjson", Schema: "hal"})
	var crash *host.CrashError
	if !errors.As(err, &crash) {
		t.Fatalf("error = %v, want a CrashError", err)
	}
	if crash.Plugin != "crashing" || !strings.Contains(err.Error(), "plugin crashing crashed") {
		t.Errorf("error %q does not name the plugin", err)
	}
	if !strings.Contains(err.Error(), "giving up on value 50") {
		t.Errorf("error %q lacks the plugin's last stderr lines", err)
	}
	filepath.WalkDir(dst, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(path, ".crash") {
			t.Errorf("left behind %s", path)
		}
		return nil
	})
}

// The fault suite found this one: a schema dying while values were still
// on their way to it left the read waiting for them forever.
// The same holds for a formatter dying while decoding.
func TestPluginCrashingMidReadFailsTheRun(t *testing.T) {
	for _, tc := range []struct{ name, ext, schema string }{
		{"schema", ".json", "crashhal"},
		{"formatter", ".crashread", "hal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, dst := t.TempDir(), filepath.Join(t.TempDir(), "out")
			for i := range 400 {
				writeFile(t, filepath.Join(src, "t", fmt.Sprintf("r%03d%s", i, tc.ext)),
					fmt.Sprintf(`{"id":"r%03d","_links":{"self":{"href":"http://x/api/t/r%03d"}}}`, i, i))
			}
			h := newHost(t)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_, err := h.Sync(ctx, host.SyncOptions{Origins: []host.Location{host.At(src)}, Destination: host.At(dst), Format: "json", Schema: tc.schema, Delete: true})
			var crash *host.CrashError
			if !errors.As(err, &crash) || crash.Plugin != "crashing" {
				t.Fatalf("error = %v, want plugin crashing crashed", err)
			}
			if _, statErr := os.Stat(dst); !errors.Is(statErr, os.ErrNotExist) {
				t.Errorf("the destination was written although the read failed: %v", statErr)
			}
		})
	}
}

func TestPinMismatchRefused(t *testing.T) {
	bin := t.TempDir()
	exe, _ := os.Executable()
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	plugin := filepath.Join(bin, host.BinaryPrefix+"pinned")
	if err := os.WriteFile(plugin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := t.TempDir()
	t.Setenv("RESOURCE_SYNC_CONFIG_DIR", cfg)
	writeFile(t, filepath.Join(cfg, host.PinsFile), strings.Repeat("ab", 32)+"  "+host.BinaryPrefix+"pinned\n")
	h := newHost(t, bin)
	_, err = h.Plugin(context.Background(), "pinned")
	if err == nil {
		t.Fatal("plugin with a wrong pin started")
	}
	for _, want := range []string{"plugin pinned refused", "does not match its pin", strings.Repeat("ab", 32), host.PinsFile} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
