// Package optdecl reads the options an endpoint declares from the tags of
// its options struct, and decodes option strings into that struct. The
// SDK decodes with it (sdk.OpenRequest.DecodeOptions) and describes an
// endpoint's options to the host with it (toproto), so both read the tags
// the same way; sdk/options.go documents the tags for authors.
package optdecl

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Type is the kind of value an option takes.
type Type int

const (
	String Type = iota
	Bool
	Int
	Float
	Duration
	List
)

// Decl is one declared option.
type Decl struct {
	Name       string
	Type       Type
	Help       string
	Default    string
	Env        string
	Min        string
	Secret     bool
	Credential bool
}

// Field is a declared option and the struct field it decodes into.
type Field struct {
	Decl
	index []int
}

// reserved options mean something to the host's command line or config
// file, so no endpoint may declare them.
var reserved = []string{"follow", "location", "schema", "option"}

var durationType = reflect.TypeFor[time.Duration]()

// Fields reads the declarations of the struct type spec points to; nil
// declares none.
func Fields(spec any) (reflect.Type, []Field, error) {
	if spec == nil {
		return nil, nil, nil
	}
	t := reflect.TypeOf(spec)
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil, nil, fmt.Errorf("Options is a %s, want a pointer to a struct such as (*Options)(nil)", t)
	}
	t = t.Elem()
	var fields []Field
	seen := map[string]bool{}
	for _, f := range reflect.VisibleFields(t) {
		tag, ok := f.Tag.Lookup("option")
		if !ok {
			continue
		}
		parts := strings.Split(tag, ",")
		d := Decl{Name: parts[0], Help: f.Tag.Get("help"), Default: f.Tag.Get("default"),
			Env: f.Tag.Get("env"), Min: f.Tag.Get("min")}
		where := fmt.Sprintf("%s.%s", t.Name(), f.Name)
		if err := checkName(d.Name); err != nil {
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
		typ, ok := typeOf(f.Type)
		if !ok {
			return nil, nil, fmt.Errorf("%s: option %s has type %s; want string, bool, an int, float64, time.Duration or []string", where, d.Name, f.Type)
		}
		d.Type = typ
		if d.Min != "" && typ != Int && typ != Float {
			return nil, nil, fmt.Errorf("%s: min is for numbers, and option %s is not one", where, d.Name)
		}
		if d.Min != "" {
			if _, err := strconv.ParseFloat(d.Min, 64); err != nil {
				return nil, nil, fmt.Errorf("%s: min %q is not a number", where, d.Min)
			}
		}
		of := Field{Decl: d, index: f.Index}
		if d.Default != "" {
			if err := of.Set(reflect.New(t).Elem(), d.Default); err != nil {
				return nil, nil, fmt.Errorf("%s: default: %w", where, err)
			}
		}
		fields = append(fields, of)
	}
	return t, fields, nil
}

// Decls are the declarations of spec; an invalid one is an error naming
// the field.
func Decls(spec any) ([]Decl, error) {
	_, fields, err := Fields(spec)
	if err != nil {
		return nil, err
	}
	decls := make([]Decl, len(fields))
	for i, f := range fields {
		decls[i] = f.Decl
	}
	return decls, nil
}

func checkName(name string) error {
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
	for _, r := range reserved {
		if name == r {
			return fmt.Errorf("option name %q is reserved for the host", name)
		}
	}
	return nil
}

func typeOf(t reflect.Type) (Type, bool) {
	if t == durationType {
		return Duration, true
	}
	switch t.Kind() {
	case reflect.String:
		return String, true
	case reflect.Bool:
		return Bool, true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return Int, true
	case reflect.Float32, reflect.Float64:
		return Float, true
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String {
			return List, true
		}
	}
	return 0, false
}

// Set decodes s into f's field of the struct v. Errors never quote a
// secret.
func (f Field) Set(v reflect.Value, s string) error {
	fv := v.FieldByIndex(f.index)
	shown := strconv.Quote(s)
	if f.Secret {
		shown = "the value"
	}
	switch f.Type {
	case Duration:
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%s is not a duration such as 30s or 2m", shown)
		}
		fv.SetInt(int64(d))
	case Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%s is not true or false", shown)
		}
		fv.SetBool(b)
	case Int:
		n, err := strconv.ParseInt(s, 10, fv.Type().Bits())
		if err != nil {
			return fmt.Errorf("%s is not a whole number", shown)
		}
		if err := f.checkMin(float64(n)); err != nil {
			return err
		}
		fv.SetInt(n)
	case Float:
		n, err := strconv.ParseFloat(s, fv.Type().Bits())
		if err != nil {
			return fmt.Errorf("%s is not a number", shown)
		}
		if err := f.checkMin(n); err != nil {
			return err
		}
		fv.SetFloat(n)
	case List:
		var items []string
		if s != "" {
			items = strings.Split(s, "\n")
		}
		fv.Set(reflect.ValueOf(items).Convert(fv.Type()))
	case String:
		fv.SetString(s)
	}
	return nil
}

func (f Field) checkMin(n float64) error {
	if f.Min == "" {
		return nil
	}
	min, _ := strconv.ParseFloat(f.Min, 64)
	if n < min {
		return fmt.Errorf("must be at least %s", f.Min)
	}
	return nil
}
