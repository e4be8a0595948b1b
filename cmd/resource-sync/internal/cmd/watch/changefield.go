package watch

import (
	"fmt"
	"strings"

	"github.com/resource-sync/resource-sync/internal/notify"
)

// changeFieldFlag is --change-field [TYPE:]FIELD[=LAYOUT], repeatable:
// where a resource's version is, so that a watch never moves a resource
// back to an older version.
type changeFieldFlag struct{ rules *[]changeRule }

// changeRule is one --change-field: for resources of Type (every type
// when empty).
type changeRule struct {
	Type  string
	Field notify.ChangeField
}

func (f *changeFieldFlag) String() string { return "" }
func (f *changeFieldFlag) Type() string   { return "[TYPE:]FIELD[=LAYOUT]" }

func (f *changeFieldFlag) Set(s string) error {
	spec, layout, _ := strings.Cut(s, "=")
	typ, field, ok := strings.Cut(spec, ":")
	if !ok {
		typ, field = "", spec
	}
	cf, err := notify.ParseChangeField(field, layout)
	if err != nil {
		return err
	}
	*f.rules = append(*f.rules, changeRule{Type: typ, Field: cf})
	return nil
}

// versions decides which copy of a resource is newer: by --change-field
// rules (a type's own rule first), else by the change field of the
// subscriptions file's resource whose endpoint matches the uri.
type versions struct {
	rules []changeRule
	subs  *notify.Config
}

func (v versions) configured() bool {
	if len(v.rules) > 0 {
		return true
	}
	if v.subs != nil {
		for _, r := range v.subs.Resources {
			if r.Change.Field != "" {
				return true
			}
		}
	}
	return false
}

func (v versions) fieldFor(typ, uri string) (notify.ChangeField, bool) {
	var any *notify.ChangeField
	for i, r := range v.rules {
		if r.Type == typ {
			return r.Field, true
		}
		if r.Type == "" && any == nil {
			any = &v.rules[i].Field
		}
	}
	if any != nil {
		return *any, true
	}
	if v.subs != nil {
		return v.subs.ChangeFieldFor(uri)
	}
	return notify.ChangeField{}, false
}

// older is host.SyncOptions.Older: the origin's copy is older when both
// copies have a version and the destination's is greater. A copy whose
// version cannot be read does not hold the sync back.
func (v versions) older(typ, _, uri string, origin, dest []byte) (string, bool, error) {
	field, ok := v.fieldFor(typ, uri)
	if !ok {
		return "", false, nil
	}
	ov, err := field.Version(origin)
	if err != nil {
		return "", false, nil
	}
	dv, err := field.Version(dest)
	if err != nil || dv.Kind != ov.Kind || dv.Kind == notify.VersionFingerprint || dv.Order <= ov.Order {
		return "", false, nil
	}
	return fmt.Sprintf("the destination holds %s %s, newer than the origin's %s", field.Field, dv.Value, ov.Value), true, nil
}
