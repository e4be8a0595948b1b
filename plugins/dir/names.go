package dir

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/resource-sync/resource-sync/internal/layout"
	"github.com/resource-sync/resource-sync/plugins/internal/fileutil"
	"github.com/resource-sync/resource-sync/sdk"
)

// resourcePath is where a resource lives inside the directory, slash
// separated: "<type>/<id><ext>". Type and id are used verbatim (spaces,
// quotes and unicode are fine) but each must be one plain, visible file
// name, so a resource can never land outside its type directory, inside
// another one, or somewhere the reader would not see it again.
func resourcePath(res sdk.Resource, ext string) (string, error) {
	if err := checkName("type", res.Type); err != nil {
		return "", err
	}
	if err := checkName("id", res.ID); err != nil {
		return "", err
	}
	if err := checkExtension(ext); err != nil {
		return "", err
	}
	return res.Type + "/" + res.ID + ext, nil
}

// checkName refuses a type or id that is not a single visible file name.
func checkName(kind, name string) error {
	reason := ""
	switch {
	case name == "":
		reason = "it is empty"
	case name == "." || name == "..":
		reason = "it names a directory"
	case strings.ContainsAny(name, `/\`):
		reason = "it contains a path separator"
	case strings.ContainsRune(name, 0):
		reason = "it contains a NUL character"
	case fileutil.IsHidden(name):
		// ".git" as a type would write into the user's repository, and
		// hidden files are never read back.
		reason = "it starts with a dot (hidden files are not resources)"
	case !filepath.IsLocal(name):
		reason = "it is not a valid file name here"
	}
	if reason != "" {
		return fmt.Errorf("cannot use %s %q as a file name: %s", kind, name, reason)
	}
	return nil
}

// checkExtension refuses an extension a formatter should never produce.
func checkExtension(ext string) error {
	if len(ext) < 2 || ext[0] != '.' || strings.ContainsAny(ext, "/\\\x00") {
		return fmt.Errorf("cannot use %q as a file extension", ext)
	}
	return nil
}

// typeHint is the type directory a file sits in: the layout's rule,
// which serve shares.
func typeHint(rel string) string { return layout.TypeHint(rel) }
