// Package json is the built-in JSON formatter: it reads single JSON values,
// JSON arrays and JSON Lines streams, and writes resources as indented or
// single-line JSON with sorted keys and numbers kept exactly as written.
package json

import "github.com/resource-sync/resource-sync/sdk"

// Formatter decodes and encodes JSON. The zero value is ready to use and
// safe for concurrent use.
type Formatter struct{}

var _ sdk.Formatter = Formatter{}

// Spec registers the formatter under the name "json".
func Spec() sdk.FormatterSpec {
	return sdk.FormatterSpec{
		Name:       "json",
		Summary:    "JSON values, arrays and JSON Lines; writes sorted keys",
		Extensions: []string{".json"},
		MediaTypes: []string{"application/json", "application/hal+json", "text/json"},
		Formatter:  Formatter{},
	}
}

// Plugin is the resource-sync-plugin-json binary's content.
func Plugin() sdk.Plugin {
	return sdk.Plugin{
		Name:       "json",
		Version:    "1.0.0",
		Formatters: []sdk.FormatterSpec{Spec()},
	}
}
