package notify

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Pattern is a resource endpoint with wildcards, such as
// http://api.company.com/users/{id}. A wildcard stands for one path segment
// or part of one (never a "/"); the scheme and host are literal.
type Pattern struct {
	text      string
	re        *regexp.Regexp
	wildcards []string
}

var wildcardName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ParsePattern checks and compiles an endpoint pattern.
func ParsePattern(text string) (*Pattern, error) {
	u, err := url.Parse(strings.NewReplacer("{", "", "}", "").Replace(text))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("endpoint %q is not an absolute http or https URL", text)
	}
	schemeHost := u.Scheme + "://" + u.Host
	if !strings.HasPrefix(text, schemeHost) {
		return nil, fmt.Errorf("endpoint %q: the scheme and host cannot hold wildcards", text)
	}
	if u.User != nil {
		return nil, fmt.Errorf("endpoint %q must not carry credentials", text)
	}
	var re strings.Builder
	re.WriteString("^")
	p := &Pattern{text: text}
	rest := text
	afterWildcard := false
	for rest != "" {
		open := strings.IndexAny(rest, "{}")
		if open < 0 {
			re.WriteString(regexp.QuoteMeta(rest))
			break
		}
		if rest[open] == '}' {
			return nil, fmt.Errorf("endpoint %q: unmatched }", text)
		}
		re.WriteString(regexp.QuoteMeta(rest[:open]))
		if open > 0 {
			afterWildcard = false
		}
		end := strings.IndexAny(rest[open+1:], "{}")
		if end < 0 || rest[open+1+end] != '}' {
			return nil, fmt.Errorf("endpoint %q: unclosed {", text)
		}
		name := rest[open+1 : open+1+end]
		if !wildcardName.MatchString(name) {
			return nil, fmt.Errorf("endpoint %q: wildcard {%s} must be a name (letters, digits, _)", text, name)
		}
		if p.has(name) {
			return nil, fmt.Errorf("endpoint %q: wildcard {%s} appears twice", text, name)
		}
		if open == 0 && afterWildcard {
			return nil, fmt.Errorf("endpoint %q: wildcard {%s} touches the one before it, so they cannot be told apart", text, name)
		}
		p.wildcards = append(p.wildcards, name)
		re.WriteString(`([^/?#]+)`)
		rest = rest[open+1+end+1:]
		afterWildcard = true
	}
	re.WriteString("$")
	p.re = regexp.MustCompile(re.String())
	return p, nil
}

func (p *Pattern) has(name string) bool {
	for _, w := range p.wildcards {
		if w == name {
			return true
		}
	}
	return false
}

// String is the pattern as written.
func (p *Pattern) String() string { return p.text }

// Wildcards are the wildcard names in order.
func (p *Pattern) Wildcards() []string { return p.wildcards }

// Match reports whether uri is one of the pattern's documents and, if so,
// the value of each wildcard as it appears in the uri (still
// percent-encoded).
func (p *Pattern) Match(uri string) (map[string]string, bool) {
	m := p.re.FindStringSubmatch(uri)
	if m == nil {
		return nil, false
	}
	values := make(map[string]string, len(p.wildcards))
	for i, name := range p.wildcards {
		values[name] = m[i+1]
	}
	return values, true
}

var placeholder = regexp.MustCompile(`\{([^{}]*)\}`)

// checkPlaceholders returns an error for a {name} in s that is not one of
// wildcards (${env:NAME} is not one).
func checkPlaceholders(s string, wildcards []string) error {
	for _, m := range placeholder.FindAllStringSubmatch(envRef.ReplaceAllString(s, ""), -1) {
		known := false
		for _, w := range wildcards {
			known = known || w == m[1]
		}
		if !known {
			return fmt.Errorf("{%s} is not a wildcard of the resource endpoint (it has %s)", m[1], wildcardList(wildcards))
		}
	}
	return nil
}

func wildcardList(ws []string) string {
	if len(ws) == 0 {
		return "none"
	}
	return "{" + strings.Join(ws, "}, {") + "}"
}

// interpolate replaces each {name} in s with values[name], passed through
// escape.
func interpolate(s string, values map[string]string, escape func(string) string) string {
	return placeholder.ReplaceAllStringFunc(s, func(m string) string {
		v, ok := values[m[1:len(m)-1]]
		if !ok {
			return m
		}
		return escape(v)
	})
}

// unescaped is a wildcard value as text: the uri's percent-encoding undone.
func unescaped(v string) string {
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}
