package shared

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/resource-sync/resource-sync/host"
)

// optionFlags turns endpoint option declarations into flags. Each option
// NAME is --NAME for whichever endpoint takes it (exactly one, for a
// credential), --from-NAME for the origins and --to-NAME for the
// destination; -o [from-|to-]NAME=VALUE reaches any plugin's option,
// including those of plugins the CLI does not know.
type optionFlags struct {
	given []host.GivenOption
}

// scopePrefixes name the scoped variants of an option flag.
var scopePrefixes = map[host.Scope]string{host.ScopeAny: "", host.ScopeOrigins: "from-", host.ScopeDestination: "to-"}

// shorthands keep the original tool's one-letter flags.
var shorthands = map[string]string{"header": "H", "batch-size": "b", "limit": "l", "max-attempts": "m"}

// register adds the flags for decls, in their order, and -o.
func (o *optionFlags) register(fs *pflag.FlagSet, decls []host.OptionDecl) {
	for _, d := range decls {
		for _, scope := range []host.Scope{host.ScopeAny, host.ScopeOrigins, host.ScopeDestination} {
			name := scopePrefixes[scope] + d.Name
			if fs.Lookup(name) != nil {
				continue // two built-in endpoints declare it: one flag serves both
			}
			short := ""
			if scope == host.ScopeAny {
				short = shorthands[d.Name]
			}
			f := fs.VarPF(&optionValue{flags: o, scope: scope, decl: d}, name, short, flagHelp(d))
			if d.Type == host.OptionBool {
				f.NoOptDefVal = "true"
			}
			f.DefValue = d.Default
			// The scoped variants would triple the list; the help text
			// explains them once.
			f.Hidden = scope != host.ScopeAny
		}
	}
	fs.VarP(&rawOptionValue{flags: o}, "option", "o",
		"endpoint option NAME=VALUE for any plugin's endpoint; from-NAME=VALUE for the origins, to-NAME=VALUE for the destination (repeatable)")
}

func flagHelp(d host.OptionDecl) string {
	help := d.Help
	if d.Type == host.OptionList {
		help += " (repeatable)"
	}
	if d.Env != "" {
		help += " (or $" + d.Env + ")"
	}
	return help
}

// optionValue is one option flag; every value given is kept, in order.
type optionValue struct {
	flags *optionFlags
	scope host.Scope
	decl  host.OptionDecl
}

func (v *optionValue) String() string { return "" }

func (v *optionValue) Type() string {
	switch v.decl.Type {
	case host.OptionBool, host.OptionInt, host.OptionDuration:
		return string(v.decl.Type)
	case host.OptionFloat:
		return "number"
	}
	return "string"
}

func (v *optionValue) IsBoolFlag() bool { return v.decl.Type == host.OptionBool }

func (v *optionValue) Set(s string) error {
	s, err := checkValue(v.decl, s)
	if err != nil {
		return err
	}
	v.flags.given = append(v.flags.given, host.GivenOption{
		Scope: v.scope, Name: v.decl.Name, Value: s, Flag: "--" + scopePrefixes[v.scope] + v.decl.Name,
		Lenient: v.scope == host.ScopeAny,
	})
	return nil
}

// checkValue refuses a value the option cannot hold, so the mistake is a
// usage error naming the flag. A value from ${env:NAME} is checked once
// expanded.
func checkValue(d host.OptionDecl, s string) (string, error) {
	if strings.Contains(s, "${env:") {
		return s, nil
	}
	if d.Min != "" && (d.Type == host.OptionInt || d.Type == host.OptionFloat) {
		n, err := strconv.ParseFloat(s, 64)
		min, _ := strconv.ParseFloat(d.Min, 64)
		if err == nil && n < min {
			return "", fmt.Errorf("must be at least %s", d.Min)
		}
	}
	switch d.Type {
	case host.OptionBool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return "", fmt.Errorf("not true or false")
		}
		return strconv.FormatBool(b), nil
	case host.OptionInt:
		if _, err := strconv.ParseInt(s, 10, 64); err != nil {
			return "", fmt.Errorf("not a whole number")
		}
	case host.OptionFloat:
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return "", fmt.Errorf("not a number")
		}
	case host.OptionDuration:
		if _, err := time.ParseDuration(s); err != nil {
			return "", fmt.Errorf("not a duration such as 30s or 2m")
		}
	}
	return s, nil
}

// rawOptionValue is -o [from-|to-]NAME=VALUE: checked against the
// endpoints' declarations once they are known.
type rawOptionValue struct{ flags *optionFlags }

func (v *rawOptionValue) String() string { return "" }
func (v *rawOptionValue) Type() string   { return "NAME=VALUE" }

func (v *rawOptionValue) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return fmt.Errorf("want NAME=VALUE")
	}
	g := host.GivenOption{Scope: host.ScopeAny, Name: name, Value: value, Flag: "-o " + name}
	if rest, ok := strings.CutPrefix(name, "from-"); ok {
		g.Scope, g.Name = host.ScopeOrigins, rest
	} else if rest, ok := strings.CutPrefix(name, "to-"); ok {
		g.Scope, g.Name = host.ScopeDestination, rest
	}
	v.flags.given = append(v.flags.given, g)
	return nil
}

// secretFlag is --secret TYPE:/POINTER[=ENV], repeatable.
type secretFlag struct{ fields *[]host.SecretField }

func (f *secretFlag) String() string { return "" }
func (f *secretFlag) Type() string   { return "TYPE:/POINTER" }

func (f *secretFlag) Set(s string) error {
	field, err := host.ParseSecretFlag(s)
	if err != nil {
		return err
	}
	*f.fields = append(*f.fields, field)
	return nil
}

// scoped says an option was given for the origins or the destination
// alone (--from-NAME, --to-NAME).
func (o *optionFlags) scoped() bool {
	for _, g := range o.given {
		if g.Scope != host.ScopeAny {
			return true
		}
	}
	return false
}
