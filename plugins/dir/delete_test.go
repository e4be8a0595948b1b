package dir_test

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/resource-sync/resource-sync/sdk"
)

func TestDeleteRemovesEveryFileOfTheResource(t *testing.T) {
	outer := t.TempDir()
	root := filepath.Join(outer, "dest")
	mkfiles(t, outer, map[string]string{
		"dest/order/hello? sausage.yaml":   "---\n",
		"dest/order/hello? sausage.JSON":   "{}",
		"dest/order/hello? sausage.b.json": "{}",
		"dest/order/hello? sausage.txt":    "not a resource",
		"dest/order/hello? sausage2.yaml":  "---\n",
		"dest/🦀/only.yaml":                 "---\n",
		"dest/README.md":                   "# hello",
		"x.yaml":                           "outside",
	})
	ep := open(t, root, sdk.RoleDestination, false)
	err := ep.Delete(t.Context(), []sdk.Resource{
		{Type: "order", ID: "hello? sausage"},
		{Type: "🦀", ID: "only"},
		{Type: "order", ID: "never existed"},
		{Type: "no such type", ID: "x"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"dest/":                            "",
		"dest/order/":                      "",
		"dest/order/hello? sausage.b.json": "{}",
		"dest/order/hello? sausage.txt":    "not a resource",
		"dest/order/hello? sausage2.yaml":  "---\n",
		"dest/README.md":                   "# hello",
		"x.yaml":                           "outside",
	}
	if diff := cmp.Diff(want, tree(t, outer)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}

	if err := ep.Delete(t.Context(), []sdk.Resource{{Type: "..", ID: "x", Source: "in.yaml"}, {Type: "order", ID: "../../x"}}); err == nil {
		t.Error("deleting escaping names: no error")
	}
	if got := tree(t, outer)["x.yaml"]; got != "outside" {
		t.Errorf("a file outside the directory was removed")
	}
}

// A resource read from the directory carries its file's Location, and
// Delete removes exactly that file; a Location this endpoint would never
// have written for the resource is refused.
func TestDeleteByLocation(t *testing.T) {
	root := t.TempDir()
	mkfiles(t, root, map[string]string{
		"order/o1.yml":       "---\n",
		"order/o1.yaml":      "---\n",
		"order/o2.json":      "{}",
		"config/deep/x.yaml": "---\n",
		"package.json":       "{}",
	})
	ep := open(t, root, sdk.RoleDestination, false)
	if err := ep.Delete(t.Context(), []sdk.Resource{
		{Type: "order", ID: "o1", Location: "order/o1.yml"},
		{Type: "order", ID: "o2", Location: "order/o2.json"},
	}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []sdk.Resource{
		{Type: "config", ID: "x", Location: "config/deep/x.yaml"},
		{Type: "package", ID: "package", Location: "package.json"},
		{Type: "order", ID: "o1", Location: "order/../package.json"},
		{Type: "other", ID: "o1", Location: "order/o1.yaml"},
	} {
		if err := ep.Delete(t.Context(), []sdk.Resource{bad}); err == nil {
			t.Errorf("Delete(%+v) removed a file it never writes", bad)
		}
	}
	want := map[string]string{
		"order/":             "",
		"order/o1.yaml":      "---\n",
		"config/":            "",
		"config/deep/":       "",
		"config/deep/x.yaml": "---\n",
		"package.json":       "{}",
	}
	if diff := cmp.Diff(want, tree(t, root)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}
