package yamlfile_test

import (
	"path/filepath"
	"testing"

	"github.com/resource-sync/resource-sync/plugins/yaml"
	"github.com/resource-sync/resource-sync/plugins/yamlfile"
	"github.com/resource-sync/resource-sync/sdk"
	"github.com/resource-sync/resource-sync/sdk/sdktest"
)

func TestMain(m *testing.M) { sdktest.Main(m, yamlfile.Plugin()) }

func TestConformance(t *testing.T) {
	sdktest.RunEndpoint(t, sdktest.EndpointOpt{
		Plugin:    yamlfile.Plugin(),
		Name:      "yamlfile",
		Location:  func(t *testing.T) string { return filepath.Join(t.TempDir(), "all.yaml") },
		Formatter: yaml.Formatter{},
		Format:    sdk.FormatInfo{Name: "yaml", Extensions: yaml.Spec().Extensions, MediaTypes: yaml.Spec().MediaTypes},
		// The whole file is compared and kept when its bytes are the same.
		ExpectUnchanged: true,
		WholeFile:       true,
		// The file is read as one document, so there is no stream of many
		// to cancel in the middle of.
		SkipCancel: true,
	})
}
