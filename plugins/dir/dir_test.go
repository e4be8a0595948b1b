package dir_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/resource-sync/resource-sync/plugins/dir"
	"github.com/resource-sync/resource-sync/sdk"
)

func TestPlugin(t *testing.T) {
	p := dir.Plugin()
	if p.Name != "dir" || p.Version != "1.0.0" || len(p.Endpoints) != 1 {
		t.Fatalf("Plugin() = %+v", p)
	}
	spec := p.Endpoints[0]
	if spec.Name != "dir" || !spec.Directories || !spec.CompareBeforeWrite || spec.ConcurrentWrites || spec.Open == nil {
		t.Errorf("Spec() = %+v", spec)
	}
	if _, ok := spec.Implements.(*dir.Endpoint); !ok {
		t.Errorf("Implements is %T, want *dir.Endpoint", spec.Implements)
	}
	for name, ok := range map[string]bool{
		"Reader":  is[sdk.Reader](spec.Implements),
		"Writer":  is[sdk.Writer](spec.Implements),
		"Deleter": is[sdk.Deleter](spec.Implements),
		"Fetcher": !is[sdk.Fetcher](spec.Implements),
	} {
		if !ok {
			t.Errorf("Implements: wrong answer for %s", name)
		}
	}
}

func is[T any](v any) bool {
	_, ok := v.(T)
	return ok
}

func TestOpenOriginMustBeADirectory(t *testing.T) {
	tmp := t.TempDir()
	file := filepath.Join(tmp, "hello? sausage.txt")
	mkfiles(t, tmp, map[string]string{"hello? sausage.txt": "not a dir"})
	for _, tc := range []struct{ location, want string }{
		{filepath.Join(tmp, "missing 🦀"), filepath.Join(tmp, "missing 🦀") + ": no such directory"},
		{file, file + ": not a directory"},
	} {
		_, err := dir.Open(t.Context(), sdk.OpenRequest{Location: tc.location, Role: sdk.RoleOrigin, Formats: formats})
		var sdkErr *sdk.Error
		if !errors.As(err, &sdkErr) || err.Error() != tc.want {
			t.Errorf("Open(%q) error = %v, want *sdk.Error %q", tc.location, err, tc.want)
		}
	}
}

func TestOpenDestinationIsCreatedByTheFirstWrite(t *testing.T) {
	location := filepath.Join(t.TempDir(), "new ünïcödé dir")
	ep := open(t, location, sdk.RoleDestination, false)
	if _, err := os.Stat(location); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open created the directory before anything was written: %v", err)
	}
	if docs, errs := readAll(t, ep); len(docs) != 0 || len(errs) != 0 {
		t.Errorf("reading a directory not created yet: %v, %v", docs, errs)
	}
	if _, _, err := write(t, ep, item(1, "order", "o1", "---\nid: o1\n")); err != nil {
		t.Fatal(err)
	}
	if got, want := tree(t, location)["order/o1.yaml"], "---\nid: o1\n"; got != want {
		t.Errorf("order/o1.yaml = %q, want %q", got, want)
	}
}

func TestOpenDestinationNeedsItsParent(t *testing.T) {
	location := filepath.Join(t.TempDir(), "no parent", "dir")
	_, err := dir.Open(t.Context(), sdk.OpenRequest{Location: location, Role: sdk.RoleDestination, Formats: formats})
	var sdkErr *sdk.Error
	if !errors.As(err, &sdkErr) || sdkErr.Source != location {
		t.Fatalf("Open(%q) error = %v, want an *sdk.Error about it", location, err)
	}
	if _, err := os.Stat(filepath.Dir(location)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open created the missing parent: %v", err)
	}
}
