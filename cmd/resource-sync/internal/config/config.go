// Package config reads resource-sync's config file: named environments
// (an endpoint location and its options) usable wherever a location is
// ("prod:"), and the resource fields that hold secrets.
//
//	environments:
//	  prod:
//	    location: https://grafana.example.com/api/
//	    token: ${env:GRAFANA_TOKEN}
//	    rate: 5
//	secrets:
//	  - type: datasource
//	    field: /secureJsonData/password
//	    env: GRAFANA_DS_{id}_PASSWORD
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/resource-sync/resource-sync/host"
)

// FileName is the config file looked for in the working directory; the
// user's config directory holds UserFileName.
const (
	FileName     = "resource-sync.yaml"
	UserFileName = "config.yaml"
)

// File is a config file read and checked.
type File struct {
	// Path is where it was read from; empty when there is none.
	Path         string
	Environments map[string]*Environment
	// Secrets are the resource fields that hold secrets.
	Secrets []host.SecretField
}

// Environment is a named endpoint: a location and its options.
type Environment struct {
	Name     string
	Location string
	// Schema, when set, is the sync's schema unless the command line
	// names one.
	Schema string
	// Options by name, as written: ${env:NAME} is expanded by the host.
	Options map[string]string
	// Lists says which options were written as YAML sequences.
	Lists map[string]bool
	// Lines are where each key is, for messages.
	Line  int
	Lines map[string]int
}

// Find returns the config file to use: path when given (it must exist),
// else ./resource-sync.yaml, else config.yaml in the user's config
// directory (host.ConfigDir); "" when there is none.
func Find(path string) (string, error) {
	if path != "" {
		if _, err := os.Stat(path); err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return "", &Error{Path: path, Msg: "--config: " + err.Error()}
		}
		return path, nil
	}
	candidates := []string{FileName}
	if dir, err := host.ConfigDir(); err == nil {
		candidates = append(candidates, filepath.Join(dir, UserFileName))
	}
	for _, c := range candidates {
		if _, err := os.Stat(c); err == nil {
			return c, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
	}
	return "", nil
}

// Load finds and reads the config file (see Find); with none, it returns
// an empty File.
func Load(path string) (*File, error) {
	found, err := Find(path)
	if err != nil || found == "" {
		return &File{Environments: map[string]*Environment{}}, err
	}
	data, err := os.ReadFile(found)
	if err != nil {
		return nil, err
	}
	return Parse(found, data)
}

// Error is a problem in the config file, at a line.
type Error struct {
	Path string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// Parse reads a config file's content; path is for messages. Every
// unknown key is an error naming its line.
func Parse(path string, data []byte) (*File, error) {
	f := &File{Path: path, Environments: map[string]*Environment{}}
	p := &parser{path: path}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return f, nil // empty
		}
		return nil, yamlError(path, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if len(extra.Content) > 0 {
			return nil, p.errorf(extra.Content[0], "one YAML document expected, found another")
		}
		return nil, yamlError(path, err)
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return f, nil
	}
	if err := p.mapping(root, "the config file", func(key, value *yaml.Node) error {
		switch key.Value {
		case "environments":
			return p.environments(value, f)
		case "secrets":
			return p.secrets(value, f)
		}
		return p.errorf(key, "unknown key %q (want environments or secrets)", key.Value)
	}); err != nil {
		return nil, err
	}
	return f, nil
}

// yamlLine finds the line in a yaml.v3 syntax error ("yaml: line 3: ...").
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

func yamlError(path string, err error) *Error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{Path: path, Line: line, Msg: msg[len(m[0]):]}
	}
	return &Error{Path: path, Msg: strings.TrimPrefix(msg, "yaml: ")}
}

type parser struct{ path string }

func (p *parser) errorf(n *yaml.Node, format string, args ...any) error {
	return &Error{Path: p.path, Line: n.Line, Msg: fmt.Sprintf(format, args...)}
}

// mapping calls fn for each key of n, refusing a key given twice.
func (p *parser) mapping(n *yaml.Node, what string, fn func(key, value *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return p.errorf(n, "%s must be a mapping", what)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		if key.Kind != yaml.ScalarNode {
			return p.errorf(key, "%s: a key must be a plain name", what)
		}
		if seen[key.Value] {
			return p.errorf(key, "%s: %s is given twice", what, key.Value)
		}
		seen[key.Value] = true
		if err := fn(key, value); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) environments(n *yaml.Node, f *File) error {
	return p.mapping(n, "environments", func(key, value *yaml.Node) error {
		if err := checkName(key.Value); err != nil {
			return p.errorf(key, "environment %q: %v", key.Value, err)
		}
		env := &Environment{Name: key.Value, Options: map[string]string{}, Lists: map[string]bool{},
			Line: key.Line, Lines: map[string]int{}}
		what := "environment " + key.Value
		err := p.mapping(value, what, func(k, v *yaml.Node) error {
			env.Lines[k.Value] = k.Line
			switch k.Value {
			case "location":
				s, err := p.scalar(v, what+": location")
				env.Location = s
				return err
			case "schema":
				s, err := p.scalar(v, what+": schema")
				env.Schema = s
				return err
			}
			if v.Kind == yaml.SequenceNode {
				var items []string
				for _, item := range v.Content {
					s, err := p.scalar(item, what+": "+k.Value)
					if err != nil {
						return err
					}
					if strings.Contains(s, "\n") {
						return p.errorf(item, "%s: %s: an item cannot span lines", what, k.Value)
					}
					items = append(items, s)
				}
				env.Options[k.Value] = strings.Join(items, "\n")
				env.Lists[k.Value] = true
				return nil
			}
			s, err := p.scalar(v, what+": "+k.Value)
			env.Options[k.Value] = s
			return err
		})
		if err != nil {
			return err
		}
		if env.Location == "" {
			return p.errorf(key, "%s has no location", what)
		}
		f.Environments[env.Name] = env
		return nil
	})
}

// scalar is a plain value: a string, number or boolean as written.
func (p *parser) scalar(n *yaml.Node, what string) (string, error) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", p.errorf(n, "%s: want a value (a string, number or true/false)", what)
	}
	return n.Value, nil
}

func (p *parser) secrets(n *yaml.Node, f *File) error {
	if n.Kind != yaml.SequenceNode {
		return p.errorf(n, "secrets must be a list of {type, field, env}")
	}
	for _, item := range n.Content {
		var typ, field, env string
		err := p.mapping(item, "a secret", func(k, v *yaml.Node) error {
			var err error
			switch k.Value {
			case "type":
				typ, err = p.scalar(v, "secret type")
			case "field":
				field, err = p.scalar(v, "secret field")
			case "env":
				env, err = p.scalar(v, "secret env")
			default:
				return p.errorf(k, "unknown key %q in a secret (want type, field and env)", k.Value)
			}
			return err
		})
		if err != nil {
			return err
		}
		sf, err := host.ParseSecretField(typ, field, env)
		if err != nil {
			return p.errorf(item, "%v", err)
		}
		f.Secrets = append(f.Secrets, sf)
	}
	return nil
}

// checkName accepts environment names usable as "NAME:": a letter, then
// letters, digits, '_' or '-'; two characters at least, since "c:" is a
// Windows drive.
func checkName(name string) error {
	if len(name) < 2 {
		return errors.New("names have two characters at least (c: is a drive letter)")
	}
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && (r >= '0' && r <= '9' || r == '_' || r == '-')
		if !ok {
			return errors.New("use letters, digits, '_' and '-', starting with a letter")
		}
	}
	return nil
}

// Names lists the environments, sorted.
func (f *File) Names() []string {
	var names []string
	for n := range f.Environments {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
