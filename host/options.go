package host

import (
	"context"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/resource-sync/resource-sync/internal/envref"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// OptionType is how an endpoint option's value is read.
type OptionType string

const (
	OptionString   OptionType = "string"
	OptionInt      OptionType = "int"
	OptionFloat    OptionType = "float"
	OptionBool     OptionType = "bool"
	OptionDuration OptionType = "duration"
	// OptionList values are several strings; on the wire they are joined
	// by newlines.
	OptionList OptionType = "list"
)

// OptionDecl is an option an endpoint declares.
type OptionDecl struct {
	Name    string     `json:"name"`
	Help    string     `json:"help,omitempty"`
	Type    OptionType `json:"type"`
	Default string     `json:"default,omitempty"`
	// Secret values are never shown: masked in logs, errors and
	// `config show`.
	Secret bool `json:"secret,omitempty"`
	// Credential options identify the user to one endpoint (a token, a
	// user name, a client certificate): given without saying which
	// endpoint they are for, they must fit exactly one.
	Credential bool `json:"credential,omitempty"`
	// Env names an environment variable the value is taken from when none
	// is given.
	Env string `json:"env,omitempty"`
	// Min is the smallest value an int or float option takes ("1");
	// empty for none.
	Min string `json:"min,omitempty"`
}

var optionTypes = map[pb.OptionDecl_Type]OptionType{
	pb.OptionDecl_TYPE_STRING_UNSPECIFIED: OptionString,
	pb.OptionDecl_TYPE_INT:                OptionInt,
	pb.OptionDecl_TYPE_FLOAT:              OptionFloat,
	pb.OptionDecl_TYPE_BOOL:               OptionBool,
	pb.OptionDecl_TYPE_DURATION:           OptionDuration,
	pb.OptionDecl_TYPE_LIST:               OptionList,
}

// optionDeclsFromProto converts declarations; one of a type this host does
// not know, from a newer plugin, is kept as a string the plugin checks.
func optionDeclsFromProto(ds []*pb.OptionDecl) []OptionDecl {
	var out []OptionDecl
	for _, d := range ds {
		t, ok := optionTypes[d.GetType()]
		if !ok {
			t = OptionString
		}
		out = append(out, OptionDecl{Name: d.GetName(), Help: d.GetHelp(), Type: t, Default: d.GetDefaultValue(),
			Secret: d.GetSecret(), Credential: d.GetCredential(), Env: d.GetEnv(), Min: d.GetMin()})
	}
	return out
}

// Endpoints resolves each location as a sync would, and says which
// component serves it and what options it takes; the host's own "-" and
// null are Components of that name without options.
func (h *Host) Endpoints(ctx context.Context, specs ...string) ([]Component, error) {
	cat := h.catalog(ctx)
	out := make([]Component, len(specs))
	for i, spec := range specs {
		t, err := cat.resolve(spec)
		if err != nil {
			return nil, err
		}
		switch t.kind {
		case endpointPlugin:
			out[i] = t.entry.Component
		default:
			out[i] = Component{Kind: KindEndpoint, Name: spec}
		}
	}
	return out, nil
}

// openOptions are what Open sends t: its own options, checked by
// prepareOptions to be declared, and "follow" for a component declaring
// no options, which may predate declarations and read it there.
func (r *syncRun) openOptions(t target) map[string]string {
	options := map[string]string{}
	if len(t.entry.Options) == 0 {
		options["follow"] = followName(r.follow)
	}
	for k, v := range t.loc.Options {
		options[k] = v
	}
	return options
}

// Scope says which endpoints of a sync an option from the command line is
// meant for.
type Scope int

const (
	// ScopeAny: --token, -o token=...: every endpoint that takes it, or
	// the one endpoint that takes it for credentials.
	ScopeAny Scope = iota
	// ScopeOrigins: --from-token, -o from-token=...
	ScopeOrigins
	// ScopeDestination: --to-token, -o to-token=...
	ScopeDestination
)

// GivenOption is one endpoint option from the command line.
type GivenOption struct {
	Scope Scope
	Name  string // the declared name ("token")
	Value string
	Flag  string // as typed, for messages ("--from-token", "-o to-limit")
	// Lenient options are ignored, with a warning, when no endpoint of
	// the sync takes them: a flag offered for the built-in endpoints,
	// such as --limit given to a sync between directories.
	Lenient bool
}

// SyncEndpoint is an endpoint of a sync as option routing sees it.
type SyncEndpoint struct {
	// Location holds the options the endpoint already has (from a config
	// environment); AssignOptions adds the command line's.
	Location    Location
	Destination bool
	// Declared are the options the endpoint takes.
	Declared []OptionDecl
}

func (e *SyncEndpoint) role() string {
	if e.Destination {
		return "destination"
	}
	return "origin"
}

func (e *SyncEndpoint) decl(name string) (OptionDecl, bool) { return findDecl(e.Declared, name) }

func (e *SyncEndpoint) inScope(s Scope) bool {
	return s == ScopeAny || (s == ScopeDestination) == e.Destination
}

// AssignOptions gives each endpoint the options meant for it, in place:
// what its Location already holds (a config environment), overridden by
// unscoped command-line options, overridden by scoped ones (--from-X,
// --to-X). A credential given without scope must fit exactly one
// endpoint, else it is a usage error naming the candidates: sending it to
// both would leak it. Declared environment variables fill options left
// unset, credentials only where a single endpoint of the sync takes them.
// warn hears about variables left unused for that reason.
func AssignOptions(eps []SyncEndpoint, given []GivenOption, warn func(string)) error {
	// set[i][name] is the level that set endpoint i's option: a higher
	// level replaces, the same level appends to a list.
	set := make([]map[string]Scope, len(eps))
	for i := range eps {
		set[i] = map[string]Scope{}
		opts := map[string]string{}
		for k, v := range eps[i].Location.Options {
			opts[k] = v
		}
		eps[i].Location.Options = opts
	}
	level := func(s Scope) Scope {
		if s == ScopeAny {
			return 1
		}
		return 2
	}
	for _, g := range given {
		var takers []int
		var secret, credential bool
		for i := range eps {
			if !eps[i].inScope(g.Scope) {
				continue
			}
			if d, ok := eps[i].decl(g.Name); ok {
				takers = append(takers, i)
				secret, credential = secret || d.Secret, credential || d.Credential
			}
		}
		if len(takers) == 0 && g.Lenient && g.Scope == ScopeAny {
			if warn != nil {
				warn(fmt.Sprintf("%s is ignored: no endpoint of this sync takes option %s", g.Flag, g.Name))
			}
			continue
		}
		if len(takers) == 0 {
			return noTakerError(eps, g)
		}
		if credential && len(takers) > 1 {
			return ambiguousError(eps, g, takers)
		}
		if secret && warn != nil && len(envref.Refs(g.Value)) == 0 {
			warn(fmt.Sprintf("%s: the value is visible to other users of this machine (ps, shell history); pass %s instead",
				g.Flag, fromEnvFlag(g.Flag, "VARIABLE")))
		}
		for _, i := range takers {
			opts := eps[i].Location.Options
			d, _ := eps[i].decl(g.Name)
			prev, had := set[i][g.Name]
			switch {
			case had && prev == level(g.Scope) && d.Type == OptionList:
				opts[g.Name] += "\n" + g.Value
			case had && prev > level(g.Scope):
				// --to-token beats --token, whatever the order.
			default:
				opts[g.Name] = g.Value
				set[i][g.Name] = level(g.Scope)
			}
		}
	}
	fillFromEnv(eps, warn)
	return nil
}

// fillFromEnv sets options left unset from their declared environment
// variable.
func fillFromEnv(eps []SyncEndpoint, warn func(string)) {
	warned := map[string]bool{}
	for i := range eps {
		for _, d := range eps[i].Declared {
			if d.Env == "" {
				continue
			}
			if _, ok := eps[i].Location.Options[d.Name]; ok {
				continue
			}
			v, ok := os.LookupEnv(d.Env)
			if !ok {
				continue
			}
			if d.Credential {
				var takers []string
				for j := range eps {
					if _, ok := eps[j].decl(d.Name); ok {
						takers = append(takers, eps[j].Location.String())
					}
				}
				if len(takers) > 1 {
					if warn != nil && !warned[d.Env] {
						warned[d.Env] = true
						warn(fmt.Sprintf("$%s is not used: %s %s option %s; give it to one with --from-%s or --to-%s '${env:%s}'",
							d.Env, joinAnd(takers), bothOrAll(len(takers)), d.Name, d.Name, d.Name, d.Env))
					}
					continue
				}
			}
			eps[i].Location.Options[d.Name] = v
		}
	}
}

func noTakerError(eps []SyncEndpoint, g GivenOption) error {
	var b strings.Builder
	scope := map[Scope]string{ScopeAny: "no endpoint of this sync", ScopeOrigins: "no origin", ScopeDestination: "the destination does not"}[g.Scope]
	if g.Scope == ScopeDestination {
		fmt.Fprintf(&b, "%s: %s take option %s", g.Flag, scope, g.Name)
	} else {
		fmt.Fprintf(&b, "%s: %s takes option %s", g.Flag, scope, g.Name)
	}
	for i := range eps {
		if !eps[i].inScope(g.Scope) {
			continue
		}
		fmt.Fprintf(&b, "\n  %s (%s) takes: %s", eps[i].Location, eps[i].role(), optionNames(eps[i].Declared))
	}
	return &UsageError{Err: fmt.Errorf("%s", b.String())}
}

func ambiguousError(eps []SyncEndpoint, g GivenOption, takers []int) error {
	var names []string
	for _, i := range takers {
		names = append(names, fmt.Sprintf("%s (%s)", eps[i].Location, eps[i].role()))
	}
	hint := fmt.Sprintf("give it to one with --from-%s or --to-%s", g.Name, g.Name)
	if g.Scope == ScopeOrigins {
		hint = "name each origin as an environment in resource-sync.yaml, with its own " + g.Name
	}
	return usageErrorf("%s is ambiguous: %s %s option %s, a credential that goes to one endpoint only; %s",
		g.Flag, joinAnd(names), bothOrAll(len(names)), g.Name, hint)
}

func optionNames(decls []OptionDecl) string {
	if len(decls) == 0 {
		return "no options"
	}
	names := make([]string, len(decls))
	for i, d := range decls {
		names[i] = d.Name
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// fromEnvFlag is how to give flag its value from $variable.
func fromEnvFlag(flag, variable string) string {
	if name, ok := strings.CutPrefix(flag, "-o "); ok {
		return fmt.Sprintf("-o %s='${env:%s}'", name, variable)
	}
	return fmt.Sprintf("%s '${env:%s}'", flag, variable)
}

func bothOrAll(n int) string {
	if n == 2 {
		return "both take"
	}
	return "all take"
}

func joinAnd(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// prepareOptions checks t's options against what its endpoint declares
// and expands ${env:NAME}, before anything starts: an unknown name is
// answered with the options the endpoint takes, a value its type cannot
// hold or a variable that is not set with the option's name. t keeps a
// copy; the caller's map is not changed. Secret values are masked in logs
// and errors from now on.
func (r *syncRun) prepareOptions(t *target) error {
	loc := t.loc
	var declared []OptionDecl
	if t.kind == endpointPlugin {
		declared = t.entry.Options
	}
	out := make(map[string]string, len(loc.Options))
	for _, k := range slices.Sorted(maps.Keys(loc.Options)) {
		d, ok := findDecl(declared, k)
		if !ok {
			return unknownOptionError(*t, k)
		}
		v, err := envref.Expand(loc.Options[k], nil)
		if err != nil {
			return usageErrorf("%s: option %s: %w", loc, k, err)
		}
		if err := CheckOptionValue(d, v); err != nil {
			return usageErrorf("%s: option %s: %w", loc, k, err)
		}
		if d.Secret {
			r.h.redact.addOption(v)
		}
		out[k] = v
	}
	t.loc.Options = out
	return nil
}

func findDecl(decls []OptionDecl, name string) (OptionDecl, bool) {
	for _, d := range decls {
		if d.Name == name {
			return d, true
		}
	}
	return OptionDecl{}, false
}

func unknownOptionError(t target, name string) error {
	switch {
	case t.kind != endpointPlugin:
		return usageErrorf("%s takes no options, and was given %s", t.loc, name)
	case len(t.entry.Options) == 0:
		return usageErrorf("%s: the %s endpoint (plugin %s) takes no options, and was given %s", t.loc, t.entry.Name, t.entry.plugin, name)
	}
	return usageErrorf("%s: the %s endpoint has no option %s; it takes: %s", t.loc, t.entry.Name, name, optionNames(t.entry.Options))
}

// CheckOptionValue reports whether v is a value of option d: a number for
// an int, at least d.Min... A secret's value is never quoted.
func CheckOptionValue(d OptionDecl, v string) error {
	shown := strconv.Quote(v)
	if d.Secret {
		shown = "the value"
	}
	var n float64
	var err error
	switch d.Type {
	case OptionBool:
		if _, err := strconv.ParseBool(v); err != nil {
			return fmt.Errorf("%s is not true or false", shown)
		}
	case OptionDuration:
		if _, err := time.ParseDuration(v); err != nil {
			return fmt.Errorf("%s is not a duration such as 30s or 2m", shown)
		}
	case OptionInt:
		var i int64
		if i, err = strconv.ParseInt(v, 10, 64); err != nil {
			return fmt.Errorf("%s is not a whole number", shown)
		}
		n = float64(i)
	case OptionFloat:
		if n, err = strconv.ParseFloat(v, 64); err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return fmt.Errorf("%s is not a number", shown)
		}
	}
	if d.Min != "" && (d.Type == OptionInt || d.Type == OptionFloat) {
		if min, err := strconv.ParseFloat(d.Min, 64); err == nil && n < min {
			return fmt.Errorf("must be at least %s", d.Min)
		}
	}
	return nil
}
