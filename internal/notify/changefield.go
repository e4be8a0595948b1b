package notify

import (
	"fmt"
	"strings"
)

// ParseChangeField checks a change field given outside a subscriptions
// file (resource-sync watch --change-field): a top-level field name and,
// for a date, its Go time layout or the name of a standard one (RFC3339);
// no layout means an increasing integer.
func ParseChangeField(field, layout string) (ChangeField, error) {
	if field == "" || strings.ContainsAny(field, "/.") {
		return ChangeField{}, fmt.Errorf("%q is not a top-level field name", field)
	}
	f := ChangeField{Field: field}
	if layout != "" {
		l, err := timeLayout(layout)
		if err != nil {
			return ChangeField{}, err
		}
		f.Layout = l
	}
	return f, nil
}

// Version reads a document's version under f; without a field, the
// version is the document's fingerprint.
func (f ChangeField) Version(doc []byte) (Version, error) {
	return versionOf(f, doc, Fingerprint(doc))
}

// ChangeFieldFor is the change field of the first resource whose endpoint
// matches uri and that has one.
func (c *Config) ChangeFieldFor(uri string) (ChangeField, bool) {
	for _, r := range c.Resources {
		if r.Change.Field == "" {
			continue
		}
		if _, ok := r.Endpoint.Match(uri); ok {
			return r.Change, true
		}
	}
	return ChangeField{}, false
}
