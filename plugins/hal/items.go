package hal

import (
	"fmt"

	"github.com/resource-sync/resource-sync/plugins/internal/schemautil"
	"github.com/resource-sync/resource-sync/sdk/schemakit"
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
func (c *classifier) items(doc object, path, base string, inResource bool) (found bool, err error) {
	field := schemautil.Field(path, "items")
	switch list := doc.field(`"items"`); {
	case isNull(list):
	case list[0] == '[':
		found = true
		if err := c.list(elements(list), field, base, !inResource); err != nil {
			return false, err
		}
	default:
		if !inResource {
			return false, fmt.Errorf("%s is %s, want a list", field, kind(list))
		}
	}
	embedded := doc.field(`"_embedded"`)
	if isNull(embedded) {
		return found, nil
	}
	field = schemautil.Field(path, "_embedded")
	if embedded[0] != '{' {
		return false, fmt.Errorf("%s is %s, want a mapping", field, kind(embedded))
	}
	list := object(embedded).field(`"items"`)
	if isNull(list) {
		return found, nil
	}
	if list[0] != '[' {
		return false, fmt.Errorf("%s is %s, want a list", schemautil.Field(field, "items"), kind(list))
	}
	if err := c.list(elements(list), schemautil.Field(field, "items"), base, true); err != nil {
		return false, err
	}
	return true, nil
}

// list classifies the entries of list. Strict, each must be a mapping;
// otherwise only mappings with a self link are resources, the rest data.
func (c *classifier) list(list [][]byte, path, base string, strict bool) error {
	for i, x := range list {
		field := schemakit.Index(path, i)
		if x[0] != '{' {
			if strict {
				return fmt.Errorf("%s is %s, want a mapping", field, kind(x))
			}
			continue
		}
		item := object(x)
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
func hasSelf(doc object) bool {
	links := doc.field(`"_links"`)
	return !isNull(links) && links[0] == '{' && !isNull(object(links).field(`"self"`))
}
