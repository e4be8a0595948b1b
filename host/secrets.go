package host

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/resource-sync/resource-sync/internal/envref"
	"github.com/resource-sync/resource-sync/internal/jsonscan"
	"github.com/resource-sync/resource-sync/sdk"
)

// Secrets inside resources (a datasource's password) are declared per
// resource type by JSON pointer. They are never written to files in clear:
// reading puts a placeholder naming a variable in their place
// (${env:GRAFANA_DS_PROD_PASSWORD}), and writing to a service substitutes
// placeholders from the environment. The transforms here are pure
// functions on canonical JSON; secretRun (secretrun.go) hooks them into a
// sync.

// SecretField declares a resource field that holds a secret.
type SecretField struct {
	// Type is the resource type, or "*" for every type.
	Type string
	// Pointer is an RFC 6901 JSON pointer ("/secureJsonData/password").
	Pointer string
	// Env is the name of the variable holding the value, a template in
	// which {type}, {id} and {field} (the pointer's last token) stand for
	// the resource's; the result is upper-cased, and every character
	// other than A-Z, 0-9 and _ becomes _. Default: {type}_{id}_{field}.
	Env string

	tokens []string
}

// DefaultSecretEnv names a secret's variable when the declaration does not.
const DefaultSecretEnv = "{type}_{id}_{field}"

// ParseSecretField checks a declaration.
func ParseSecretField(typ, pointer, env string) (SecretField, error) {
	f := SecretField{Type: typ, Pointer: pointer, Env: env}
	if typ == "" {
		return f, fmt.Errorf("a secret field needs a resource type (or * for any)")
	}
	if f.Env == "" {
		f.Env = DefaultSecretEnv
	}
	tokens, err := parsePointer(pointer)
	if err != nil {
		return f, err
	}
	if len(tokens) == 0 {
		return f, fmt.Errorf("secret field %q: the whole resource cannot be a secret; name a field such as /password", pointer)
	}
	f.tokens = tokens
	for _, part := range []string{"{type}", "{id}", "{field}"} {
		env = strings.ReplaceAll(env, part, "")
	}
	if strings.ContainsAny(env, "{}") {
		return f, fmt.Errorf("secret env %q: only {type}, {id} and {field} can be filled in", f.Env)
	}
	return f, nil
}

// ParseSecretFlag reads --secret TYPE:POINTER[=ENV].
func ParseSecretFlag(s string) (SecretField, error) {
	typ, rest, ok := strings.Cut(s, ":")
	if !ok {
		return SecretField{}, fmt.Errorf("want TYPE:/POINTER or TYPE:/POINTER=ENV, such as datasource:/secureJsonData/password=DS_{id}_PASSWORD")
	}
	pointer, env, _ := strings.Cut(rest, "=")
	return ParseSecretField(typ, pointer, env)
}

// parsePointer splits an RFC 6901 pointer into its unescaped tokens.
func parsePointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("secret field %q is not a JSON pointer: it starts with /", p)
	}
	tokens, err := jsonscan.PointerTokens(p)
	if err != nil {
		return nil, fmt.Errorf("secret field %w", err)
	}
	return tokens, nil
}

// applies reports whether the field belongs to resources of type typ.
func (f SecretField) applies(typ string) bool { return f.Type == "*" || f.Type == typ }

// EnvName is the variable holding the field's value in resource typ/id.
func (f SecretField) EnvName(typ, id string) string {
	field := ""
	if len(f.tokens) > 0 {
		field = f.tokens[len(f.tokens)-1]
	}
	name := strings.NewReplacer("{type}", typ, "{id}", id, "{field}", field).Replace(f.Env)
	var b strings.Builder
	for _, r := range strings.ToUpper(name) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	out := b.String()
	if out == "" || out[0] >= '0' && out[0] <= '9' {
		out = "_" + out
	}
	return out
}

// FoundSecret is a secret value found in a resource.
type FoundSecret struct {
	Pointer string
	Var     string // the variable its placeholder names
	Value   string
}

// SecretError is a problem with a resource's secret field.
type SecretError struct {
	Source   string // file or uri, and line, of the resource
	Line     int
	Resource string // type/id
	Pointer  string
	Var      string // the variable, when the problem is one that is not set
	Msg      string
}

func (e *SecretError) Error() string {
	where := e.Source
	if e.Line > 0 {
		where += ":" + strconv.Itoa(e.Line)
	}
	if where != "" {
		where += ": "
	}
	return fmt.Sprintf("%s%s, secret field %s: %s", where, e.Resource, e.Pointer, e.Msg)
}

// MaskSecrets replaces the value of each secret field of resource typ/id
// with a placeholder naming its variable, and returns what it replaced.
// A placeholder already there stays; a field that is absent or null is
// left alone; one holding anything but a string is an error (its type
// would be lost), and so is a string mixing a placeholder with clear
// text. doc comes back unchanged, byte for byte, when nothing was
// replaced.
func MaskSecrets(doc []byte, typ, id string, fields []SecretField) ([]byte, []FoundSecret, error) {
	var v any
	var found []FoundSecret
	for _, f := range fields {
		if !f.applies(typ) {
			continue
		}
		if v == nil {
			var err error
			if v, err = sdk.UnmarshalJSON(doc); err != nil {
				return nil, nil, err
			}
		}
		parent, key, cur, ok := lookupPointer(v, f.tokens)
		if !ok || cur == nil {
			continue
		}
		s, isString := cur.(string)
		if !isString {
			return nil, nil, &SecretError{Resource: typ + "/" + id, Pointer: f.Pointer,
				Msg: fmt.Sprintf("holds %s, and only a string can be kept out of files", jsonKind(cur))}
		}
		if refs := envref.Refs(s); len(refs) > 0 {
			if !envref.IsPlaceholder(s) {
				return nil, nil, &SecretError{Resource: typ + "/" + id, Pointer: f.Pointer,
					Msg: "mixes ${env:...} with other text; a secret field holds its value or one placeholder"}
			}
			continue
		}
		name := f.EnvName(typ, id)
		found = append(found, FoundSecret{Pointer: f.Pointer, Var: name, Value: s})
		setPointer(parent, key, "${env:"+name+"}")
	}
	if len(found) == 0 {
		return doc, nil, nil
	}
	out, err := sdk.MarshalCanonical(v)
	return out, found, err
}

// SubstituteSecrets replaces the ${env:NAME} placeholders in the secret
// fields of resource typ/id with lookup(NAME). A variable lookup does not
// know is a *SecretError naming the field and the variable. doc comes
// back unchanged when no field holds a placeholder.
func SubstituteSecrets(doc []byte, typ, id string, fields []SecretField, lookup func(string) (string, bool)) ([]byte, error) {
	var v any
	changed := false
	for _, f := range fields {
		if !f.applies(typ) {
			continue
		}
		if v == nil {
			var err error
			if v, err = sdk.UnmarshalJSON(doc); err != nil {
				return nil, err
			}
		}
		parent, key, cur, ok := lookupPointer(v, f.tokens)
		s, isString := cur.(string)
		if !ok || !isString || len(envref.Refs(s)) == 0 {
			continue
		}
		clear, err := envref.Expand(s, lookup)
		if err != nil {
			se := &SecretError{Resource: typ + "/" + id, Pointer: f.Pointer, Msg: err.Error()}
			if unset, ok := err.(*envref.UnsetError); ok {
				se.Var = unset.Var
			}
			return nil, se
		}
		setPointer(parent, key, clear)
		changed = true
	}
	if !changed {
		return doc, nil
	}
	return sdk.MarshalCanonical(v)
}

// SecretPlaceholders lists the variables the secret fields of resource
// typ/id name, so a sync can check them before it writes anything.
func SecretPlaceholders(doc []byte, typ string, fields []SecretField) (map[string]string, error) {
	var v any
	vars := map[string]string{} // variable -> pointer
	for _, f := range fields {
		if !f.applies(typ) {
			continue
		}
		if v == nil {
			var err error
			if v, err = sdk.UnmarshalJSON(doc); err != nil {
				return nil, err
			}
		}
		_, _, cur, ok := lookupPointer(v, f.tokens)
		if s, isString := cur.(string); ok && isString {
			for _, name := range envref.Refs(s) {
				vars[name] = f.Pointer
			}
		}
	}
	return vars, nil
}

// lookupPointer walks v along tokens and returns the container holding the
// last one, its key (string or int), and the value there.
func lookupPointer(v any, tokens []string) (parent any, key any, cur any, ok bool) {
	cur = v
	for _, t := range tokens {
		parent = cur
		switch c := cur.(type) {
		case map[string]any:
			key = t
			if cur, ok = c[t]; !ok {
				return nil, nil, nil, false
			}
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(c) || (len(t) > 1 && t[0] == '0') {
				return nil, nil, nil, false
			}
			key, cur = i, c[i]
		default:
			return nil, nil, nil, false
		}
	}
	return parent, key, cur, true
}

func setPointer(parent, key, value any) {
	switch p := parent.(type) {
	case map[string]any:
		p[key.(string)] = value
	case []any:
		p[key.(int)] = value
	}
}

func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case bool:
		return "a boolean"
	}
	return "a number"
}
