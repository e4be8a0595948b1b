package main

import "github.com/resource-sync/resource-sync/sdk"

// Plugin is everything this binary offers: one formatter.
func Plugin() sdk.Plugin {
	return sdk.Plugin{
		Name:    "toml",
		Version: "0.1.0",
		Formatters: []sdk.FormatterSpec{{
			Name:       "toml",
			Summary:    "TOML documents, one resource per document",
			Extensions: []string{".toml"},
			MediaTypes: []string{"application/toml"},
			Formatter:  Formatter{},
		}},
	}
}

// Formatter reads and writes TOML. A TOML document is always one table,
// so each document holds exactly one resource, and only JSON objects can
// be written. What TOML cannot hold is refused with an *sdk.Error naming
// the key, never silently changed:
//
//   - null: TOML has no null;
//   - integers outside int64: TOML integers are 64-bit;
//   - floats beyond float64, and TOML's inf and nan, which JSON lacks.
//
// Numbers keep their exact text both ways (1e-7 stays 1e-7, integers keep
// every digit), strings stay strings, and TOML datetimes decode to their
// text as written, a string. Both encoding styles write the same document:
// TOML has no separator for a stream of documents.
//
// The zero value is ready to use and safe for concurrent use.
type Formatter struct{}

var _ sdk.Formatter = Formatter{}
