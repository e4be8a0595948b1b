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
