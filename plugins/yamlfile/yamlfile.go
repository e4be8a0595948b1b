// Package yamlfile is the YAML file endpoint: every resource in one
// multi-document YAML file, written in the host's order.
package yamlfile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/resource-sync/resource-sync/plugins/internal/fileutil"
	"github.com/resource-sync/resource-sync/sdk"
)

// Spec registers the endpoint for paths ending in .yaml or .yml.
func Spec() sdk.EndpointSpec {
	return sdk.EndpointSpec{
		Name:          "yamlfile",
		Summary:       "a YAML file holding every resource as one document",
		PathPatterns:  []string{"*.yaml", "*.yml"},
		Replaces:      true,
		ContentWrites: true,
		HoldsCommits:  true, // it commits after the last item
		Open:          Open,
		Implements:    (*Endpoint)(nil),
	}
}

// Plugin is the plugin binary's offer: just this endpoint.
func Plugin() sdk.Plugin {
	return sdk.Plugin{
		Name:      "yamlfile",
		Version:   "1.0.0",
		Endpoints: []sdk.EndpointSpec{Spec()},
	}
}

// Endpoint is an open YAML file.
type Endpoint struct {
	path string
}

// Open opens an existing file to read, or checks that a destination can be
// written: YAML only, its directory exists, and an existing file is replaced
// only under Replace (--rm), as the original tool did.
func Open(ctx context.Context, req sdk.OpenRequest) (sdk.Endpoint, error) {
	e := &Endpoint{path: req.Location}
	info, err := os.Stat(e.path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, e.errorf("%s", fileutil.Reason(err))
	}
	exists := err == nil
	if exists && info.IsDir() {
		return nil, e.errorf("is a directory")
	}
	if req.Role == sdk.RoleOrigin {
		if !exists {
			return nil, e.errorf("no such file")
		}
		return e, nil
	}
	if len(req.Formats) == 0 || !fileutil.Claims(req.Formats[0], ".yaml") {
		return nil, e.errorf("a YAML file can only be written as YAML (got %s)", formatName(req.Formats))
	}
	if exists && !req.Replace {
		return nil, fmt.Errorf("File already exists: %s; perhaps you mean to use '--rm'?", e.path)
	}
	parent := filepath.Dir(filepath.Clean(e.path))
	if info, err := os.Stat(parent); err != nil || !info.IsDir() {
		return nil, e.errorf("cannot create the file: its directory %s does not exist", parent)
	}
	return e, nil
}

// Close has nothing to release: the file is opened only while in use.
func (e *Endpoint) Close() error { return nil }

func (e *Endpoint) errorf(format string, args ...any) *sdk.Error {
	return &sdk.Error{Source: e.path, Msg: fmt.Sprintf(format, args...)}
}

// formatName names the format the host would write with.
func formatName(formats []sdk.FormatInfo) string {
	if len(formats) == 0 {
		return "no format"
	}
	return formats[0].Name
}

var (
	_ sdk.Endpoint = (*Endpoint)(nil)
	_ sdk.Reader   = (*Endpoint)(nil)
	_ sdk.Writer   = (*Endpoint)(nil)
)
