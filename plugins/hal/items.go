package hal

import (
	"fmt"

	"github.com/resource-sync/resource-sync/plugins/internal/schemautil"
)

// items classifies the resources embedded in doc: its "items" list (the
// microcosm Search convention), then _embedded.items. It reports whether
// doc holds either list.
//
// "items" is an ordinary field name, so in a resource it may be the
// resource's own data, such as an order's lines: there only entries with
// a self link are classified and anything else is left alone. In a
// container, and under _embedded which HAL reserves, every entry is
// classified and the shape is checked.
func (c *classifier) items(doc map[string]any, path, base string, inResource bool) (found bool, err error) {
	field := schemautil.Field(path, "items")
	switch list := doc["items"].(type) {
	case nil:
	case []any:
		found = true
		if err := c.list(list, field, base, !inResource); err != nil {
			return false, err
		}
	default:
		if !inResource {
			return false, fmt.Errorf("%s is %s, want a list", field, schemautil.Kind(list))
		}
	}
	if doc["_embedded"] == nil {
		return found, nil
	}
	field = schemautil.Field(path, "_embedded")
	embedded, err := schemautil.Mapping(doc["_embedded"], field)
	if err != nil {
		return false, err
	}
	list, ok, err := schemautil.List(embedded, "items", field)
	if err != nil {
		return false, err
	}
	if err := c.list(list, schemautil.Field(field, "items"), base, true); err != nil {
		return false, err
	}
	return found || ok, nil
}

// list classifies the entries of list. Strict, each must be a mapping;
// otherwise only mappings with a self link are resources, the rest data.
func (c *classifier) list(list []any, path, base string, strict bool) error {
	for i, x := range list {
		field := schemautil.Index(path, i)
		item, err := schemautil.Mapping(x, field)
		if err != nil && strict {
			return err
		}
		if !strict && !hasSelf(item) {
			continue
		}
		if _, err := c.document(item, field, base, false); err != nil {
			return err
		}
	}
	return nil
}

// hasSelf reports whether doc has a self link, the mark of a resource.
func hasSelf(doc map[string]any) bool {
	links, ok := doc["_links"].(map[string]any)
	return ok && links["self"] != nil
}
