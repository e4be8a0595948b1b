package sdk

import (
	"fmt"
	"reflect"

	"github.com/resource-sync/resource-sync/internal/optdecl"
)

// Endpoint options are declared with a struct whose fields carry tags, and
// decoded into it: a plugin never parses option strings itself.
//
//	type Options struct {
//		Limit   int           `option:"limit" default:"100" min:"1" help:"page size"`
//		Token   string        `option:"token,secret,credential" env:"ACME_TOKEN" help:"API token"`
//		Headers []string      `option:"header,secret,credential" help:"extra header 'Name: value'"`
//		Timeout time.Duration `option:"timeout" default:"30s" help:"per request"`
//	}
//
// EndpointSpec.Options holds (*Options)(nil); Open calls
// req.DecodeOptions(&opts). The tags:
//
//   - option: the name users give ("max-attempts": lower-case words joined
//     by '-'), then any of "secret" (never shown: masked in logs, errors
//     and `config show`) and "credential" (identifies the user to one
//     endpoint: never given to two endpoints at once).
//   - help: one line for --help and `resource-sync plugins describe`.
//   - default: the value when the option is not given.
//   - env: an environment variable the host takes the value from when the
//     user gives none.
//   - min: the smallest value of a number.
//
// Field types: string, bool, any int, float64, time.Duration ("30s"),
// []string (a repeatable option). Fields without an option tag are not
// options.
//
// The names follow, location, schema and option, and names starting from-
// or to-, are the host's; no endpoint may declare them.

// DecodeOptions fills dst, a pointer to the struct type declared in
// EndpointSpec.Options, from the options the host sent: each declared
// option given is decoded to its field's type, the others take their
// default or stay zero. Keys the struct does not declare are ignored (an
// older host sends every key). An *Error names the option, never a
// secret's value; return it from Open, which the user sees with the
// location.
func (r OpenRequest) DecodeOptions(dst any) error {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("DecodeOptions: want a pointer to an options struct, got %T", dst)
	}
	_, fields, err := optdecl.Fields(dst)
	if err != nil {
		return fmt.Errorf("DecodeOptions: %w", err)
	}
	for _, f := range fields {
		s, given := r.Options[f.Name]
		if !given {
			s = f.Default
			if s == "" {
				continue
			}
		}
		if err := f.Set(v.Elem(), s); err != nil {
			return &Error{Msg: fmt.Sprintf("option %s: %v", f.Name, err)}
		}
	}
	return nil
}
