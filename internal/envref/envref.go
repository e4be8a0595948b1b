// Package envref is the ${env:NAME} syntax option values, config files,
// adapter files and secret placeholders share: text taken from the
// environment, so that secrets stay out of argv, shell history and files.
// $${ stands for a literal ${.
package envref

import (
	"fmt"
	"os"
	"strings"
)

// UnsetError is a ${env:NAME} whose variable is not set.
type UnsetError struct{ Var string }

func (e *UnsetError) Error() string {
	return fmt.Sprintf("environment variable %s is not set", e.Var)
}

// Expand replaces every ${env:NAME} in s with $NAME, looked up with
// lookup (os.LookupEnv when nil). A variable that is not set is an
// *UnsetError; set and empty is fine.
func Expand(s string, lookup func(string) (string, bool)) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	if lookup == nil {
		lookup = os.LookupEnv
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		if i > 0 && s[i-1] == '$' {
			b.WriteString(s[:i]) // "$${" -> "${"
			b.WriteString("{")
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		name, rest, ok := envRef(s[i:])
		if !ok {
			// Not quoted: the text around it may be a secret.
			return "", fmt.Errorf("a ${ that does not start ${env:NAME} (write $${ for a literal ${)")
		}
		v, set := lookup(name)
		if !set {
			return "", &UnsetError{Var: name}
		}
		b.WriteString(v)
		s = rest
	}
}

// IsPlaceholder reports whether s is exactly one ${env:NAME}.
func IsPlaceholder(s string) bool {
	name, rest, ok := envRef(s)
	return ok && name != "" && rest == ""
}

// envRef reads "${env:NAME}" at the start of s.
func envRef(s string) (name, rest string, ok bool) {
	body, ok := strings.CutPrefix(s, "${env:")
	if !ok {
		return "", "", false
	}
	end := strings.IndexByte(body, '}')
	if end < 0 || !validEnvName(body[:end]) {
		return "", "", false
	}
	return body[:end], body[end+1:], true
}

// Refs lists the variables s refers to with ${env:NAME}.
func Refs(s string) []string {
	var names []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return names
		}
		if i > 0 && s[i-1] == '$' {
			s = s[i+2:]
			continue
		}
		name, rest, ok := envRef(s[i:])
		if !ok {
			s = s[i+2:]
			continue
		}
		names = append(names, name)
		s = rest
	}
}

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case i > 0 && r >= '0' && r <= '9':
		default:
			return false
		}
	}
	return true
}
