// Package yaml is the built-in YAML formatter. It reads YAML streams under
// the YAML 1.2 core schema, so that dates and yes/no stay strings and
// integers keep every digit, and writes documents that YAML 1.1 and 1.2
// readers both read back as the same JSON.
package yaml

import "github.com/resource-sync/resource-sync/sdk"

// Formatter decodes and encodes YAML. The zero value is ready to use and
// safe for concurrent use.
type Formatter struct{}

var _ sdk.Formatter = Formatter{}

// Spec registers the formatter under the name "yaml".
func Spec() sdk.FormatterSpec {
	return sdk.FormatterSpec{
		Name:       "yaml",
		Summary:    "YAML streams (1.2 core schema); writes sorted keys, one document per resource",
		Extensions: []string{".yaml", ".yml"},
		MediaTypes: []string{"application/yaml", "application/x-yaml", "text/vnd.yaml", "text/yaml", "text/x-yaml"},
		Formatter:  Formatter{},
	}
}

// Plugin is the resource-sync-plugin-yaml binary's content.
func Plugin() sdk.Plugin {
	return sdk.Plugin{
		Name:       "yaml",
		Version:    "1.0.0",
		Formatters: []sdk.FormatterSpec{Spec()},
	}
}
