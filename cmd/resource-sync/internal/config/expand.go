package config

import (
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/resource-sync/resource-sync/host"
	"github.com/resource-sync/resource-sync/internal/envref"
)

// envRef is a location naming an environment: "NAME:" or "NAME:REST".
var envRef = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_-]+):(.*)$`)

// Expand turns a location naming an environment ("prod:", "prod:customers/")
// into the environment's location, REST appended, with its options. Any
// other location comes back as typed, without options, and env is nil. A
// configured NAME wins over a plugin scheme of the same name.
func (f *File) Expand(arg string) (loc host.Location, env *Environment) {
	m := envRef.FindStringSubmatch(arg)
	if m == nil || f.Environments[m[1]] == nil {
		return host.At(arg), nil
	}
	env = f.Environments[m[1]]
	return host.Location{Name: arg, Spec: Join(env.Location, m[2]), Options: maps.Clone(env.Options)}, env
}

// Join appends rest to an environment's location: below a URL's path
// (one slash between them), or below a directory.
func Join(location, rest string) string {
	if rest == "" {
		return location
	}
	if strings.Contains(location, "://") {
		return strings.TrimSuffix(location, "/") + "/" + strings.TrimPrefix(rest, "/")
	}
	return filepath.Join(location, rest)
}

// Check checks an environment's options against what its endpoint
// (component, for messages) declares, naming the file and line of a
// mistake. Values from ${env:NAME} are checked by the host once expanded.
func (f *File) Check(env *Environment, component string, declared []host.OptionDecl) error {
	keys := slices.SortedFunc(maps.Keys(env.Options), func(a, b string) int { return env.Lines[a] - env.Lines[b] })
	for _, k := range keys { // in file order: the first mistake first
		d, ok := findDecl(declared, k)
		e := &Error{Path: f.Path, Line: env.Lines[k]}
		switch {
		case !ok && len(declared) == 0:
			e.Msg = fmt.Sprintf("environment %s: unknown key %q (want location or schema; %s takes no options)", env.Name, k, component)
		case !ok:
			e.Msg = fmt.Sprintf("environment %s: unknown key %q (want location, schema or an option %s takes: %s)",
				env.Name, k, component, names(declared))
		case env.Lists[k] && d.Type != host.OptionList:
			e.Msg = fmt.Sprintf("environment %s: %s takes one value, not a list", env.Name, k)
		case len(envref.Refs(env.Options[k])) == 0:
			if err := host.CheckOptionValue(d, env.Options[k]); err != nil {
				e.Msg = fmt.Sprintf("environment %s: %s: %v", env.Name, k, err)
			}
		}
		if e.Msg != "" {
			return e
		}
	}
	return nil
}

func findDecl(decls []host.OptionDecl, name string) (host.OptionDecl, bool) {
	for _, d := range decls {
		if d.Name == name {
			return d, true
		}
	}
	return host.OptionDecl{}, false
}

func names(decls []host.OptionDecl) string {
	var out []string
	for _, d := range decls {
		out = append(out, d.Name)
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}
