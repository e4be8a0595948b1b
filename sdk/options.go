package sdk

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
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

// reservedOptions mean something to the host's command line or config
// file, so no endpoint may declare them.
var reservedOptions = []string{"follow", "location", "schema", "option"}

// optionField is one declared option and the struct field it decodes into.
type optionField struct {
	decl  *pb.OptionDecl
	index []int
}

var durationType = reflect.TypeFor[time.Duration]()

// optionFields reads the declarations of the struct type t points to.
func optionFields(spec any) (reflect.Type, []optionField, error) {
	if spec == nil {
		return nil, nil, nil
	}
	t := reflect.TypeOf(spec)
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil, nil, fmt.Errorf("Options is a %s, want a pointer to a struct such as (*Options)(nil)", t)
	}
	t = t.Elem()
	var fields []optionField
	seen := map[string]bool{}
	for _, f := range reflect.VisibleFields(t) {
		tag, ok := f.Tag.Lookup("option")
		if !ok {
			continue
		}
		parts := strings.Split(tag, ",")
		d := &pb.OptionDecl{Name: parts[0], Help: f.Tag.Get("help"), DefaultValue: f.Tag.Get("default"),
			Env: f.Tag.Get("env"), Min: f.Tag.Get("min")}
		where := fmt.Sprintf("%s.%s", t.Name(), f.Name)
		if err := checkOptionName(d.Name); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", where, err)
		}
		if seen[d.Name] {
			return nil, nil, fmt.Errorf("%s: option %q is declared twice", where, d.Name)
		}
		seen[d.Name] = true
		for _, flag := range parts[1:] {
			switch flag {
			case "secret":
				d.Secret = true
			case "credential":
				d.Credential = true
			default:
				return nil, nil, fmt.Errorf("%s: unknown option flag %q (want secret or credential)", where, flag)
			}
		}
		typ, ok := optionType(f.Type)
		if !ok {
			return nil, nil, fmt.Errorf("%s: option %s has type %s; want string, bool, an int, float64, time.Duration or []string", where, d.Name, f.Type)
		}
		d.Type = typ
		if d.Min != "" && typ != pb.OptionDecl_TYPE_INT && typ != pb.OptionDecl_TYPE_FLOAT {
			return nil, nil, fmt.Errorf("%s: min is for numbers, and option %s is not one", where, d.Name)
		}
		if d.Min != "" {
			if _, err := strconv.ParseFloat(d.Min, 64); err != nil {
				return nil, nil, fmt.Errorf("%s: min %q is not a number", where, d.Min)
			}
		}
		of := optionField{decl: d, index: f.Index}
		if d.DefaultValue != "" {
			if err := of.set(reflect.New(t).Elem(), d.DefaultValue); err != nil {
				return nil, nil, fmt.Errorf("%s: default: %w", where, err)
			}
		}
		fields = append(fields, of)
	}
	return t, fields, nil
}

func checkOptionName(name string) error {
	if name == "" {
		return fmt.Errorf("empty option name")
	}
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || i > 0 && (r >= '0' && r <= '9' || r == '-')
		if !ok {
			return fmt.Errorf("option name %q: use lower-case words joined by '-'", name)
		}
	}
	if strings.HasSuffix(name, "-") || strings.HasPrefix(name, "from-") || strings.HasPrefix(name, "to-") {
		return fmt.Errorf("option name %q: may not end in '-' or start with from- or to- (the command line's scopes)", name)
	}
	for _, r := range reservedOptions {
		if name == r {
			return fmt.Errorf("option name %q is reserved for the host", name)
		}
	}
	return nil
}

func optionType(t reflect.Type) (pb.OptionDecl_Type, bool) {
	if t == durationType {
		return pb.OptionDecl_TYPE_DURATION, true
	}
	switch t.Kind() {
	case reflect.String:
		return pb.OptionDecl_TYPE_STRING_UNSPECIFIED, true
	case reflect.Bool:
		return pb.OptionDecl_TYPE_BOOL, true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return pb.OptionDecl_TYPE_INT, true
	case reflect.Float32, reflect.Float64:
		return pb.OptionDecl_TYPE_FLOAT, true
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String {
			return pb.OptionDecl_TYPE_LIST, true
		}
	}
	return 0, false
}

// set decodes s into the field of struct v. Errors never quote a secret.
func (f optionField) set(v reflect.Value, s string) error {
	fv := v.FieldByIndex(f.index)
	shown := strconv.Quote(s)
	if f.decl.GetSecret() {
		shown = "the value"
	}
	switch f.decl.GetType() {
	case pb.OptionDecl_TYPE_DURATION:
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%s is not a duration such as 30s or 2m", shown)
		}
		fv.SetInt(int64(d))
	case pb.OptionDecl_TYPE_BOOL:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%s is not true or false", shown)
		}
		fv.SetBool(b)
	case pb.OptionDecl_TYPE_INT:
		n, err := strconv.ParseInt(s, 10, fv.Type().Bits())
		if err != nil {
			return fmt.Errorf("%s is not a whole number", shown)
		}
		if err := f.checkMin(float64(n)); err != nil {
			return err
		}
		fv.SetInt(n)
	case pb.OptionDecl_TYPE_FLOAT:
		n, err := strconv.ParseFloat(s, fv.Type().Bits())
		if err != nil {
			return fmt.Errorf("%s is not a number", shown)
		}
		if err := f.checkMin(n); err != nil {
			return err
		}
		fv.SetFloat(n)
	case pb.OptionDecl_TYPE_LIST:
		var items []string
		if s != "" {
			items = strings.Split(s, "\n")
		}
		fv.Set(reflect.ValueOf(items).Convert(fv.Type()))
	default:
		fv.SetString(s)
	}
	return nil
}

func (f optionField) checkMin(n float64) error {
	if f.decl.GetMin() == "" {
		return nil
	}
	min, _ := strconv.ParseFloat(f.decl.GetMin(), 64)
	if n < min {
		return fmt.Errorf("must be at least %s", f.decl.GetMin())
	}
	return nil
}

// optionDecls are the declarations of spec's Options. An invalid
// declaration is a bug in the plugin, found by its first test: Describe
// panics with what is wrong.
func optionDecls(e EndpointSpec) []*pb.OptionDecl {
	_, fields, err := optionFields(e.Options)
	if err != nil {
		panic(fmt.Sprintf("endpoint %s: %v", e.Name, err))
	}
	decls := make([]*pb.OptionDecl, len(fields))
	for i, f := range fields {
		decls[i] = f.decl
	}
	return decls
}

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
	_, fields, err := optionFields(dst)
	if err != nil {
		return fmt.Errorf("DecodeOptions: %w", err)
	}
	for _, f := range fields {
		s, given := r.Options[f.decl.GetName()]
		if !given {
			s = f.decl.GetDefaultValue()
			if s == "" {
				continue
			}
		}
		if err := f.set(v.Elem(), s); err != nil {
			return &Error{Msg: fmt.Sprintf("option %s: %v", f.decl.GetName(), err)}
		}
	}
	return nil
}
