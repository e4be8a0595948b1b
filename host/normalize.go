package host

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/resource-sync/resource-sync/internal/jsonscan"
	"github.com/resource-sync/resource-sync/sdk"
)

// The plan compares normalized bodies: canonical JSON without HAL's
// top-level _links and _embedded (they describe a server, not the data:
// the same resource has other links on another server) and without the
// fields the user said the server manages.

// envelope lists the top-level fields normalization drops.
var envelope = []string{"_links", "_embedded"}

// IgnoreRule leaves a field out of comparisons: a JSON pointer, for one
// type or for every type (Type ""). An ignored field keeps the
// destination's value when a resource is updated.
type IgnoreRule struct {
	Type    string
	Pointer string
}

func (r IgnoreRule) String() string {
	if r.Type == "" {
		return r.Pointer
	}
	return r.Type + ":" + r.Pointer
}

// ParseIgnore reads "/pointer" or "TYPE:/pointer" (RFC 6901 pointers:
// "~1" is "/", "~0" is "~").
func ParseIgnore(s string) (IgnoreRule, error) {
	typ, pointer := "", s
	if !strings.HasPrefix(s, "/") {
		var ok bool
		if typ, pointer, ok = strings.Cut(s, ":"); !ok || typ == "" {
			return IgnoreRule{}, fmt.Errorf("ignore %q: want a JSON pointer such as /updatedAt, or TYPE:/pointer", s)
		}
	}
	if _, err := pointerTokens(pointer); err != nil {
		return IgnoreRule{}, fmt.Errorf("ignore %q: %v", s, err)
	}
	return IgnoreRule{Type: typ, Pointer: pointer}, nil
}

// pointerTokens splits an RFC 6901 pointer into its reference tokens.
func pointerTokens(p string) ([]string, error) {
	switch p {
	case "":
		return nil, fmt.Errorf("a JSON pointer starts with /")
	case "/":
		return nil, fmt.Errorf("a JSON pointer names a field, not the whole document")
	}
	return jsonscan.PointerTokens(p)
}

// normalizer knows the ignore rules of a sync.
type normalizer struct {
	all    [][]string            // pointers ignored for every type
	byType map[string][][]string // and per type
}

func newNormalizer(rules []IgnoreRule) (*normalizer, error) {
	n := &normalizer{byType: map[string][][]string{}}
	for _, r := range rules {
		tokens, err := pointerTokens(r.Pointer)
		if err != nil {
			return nil, fmt.Errorf("ignore %s: %v", r, err)
		}
		if r.Type == "" {
			n.all = append(n.all, tokens)
		} else {
			n.byType[r.Type] = append(n.byType[r.Type], tokens)
		}
	}
	return n, nil
}

// signature lists the ignore rules, sorted, for what must change with
// them (versions.go).
func (n *normalizer) signature() []string {
	var rules []string
	for _, p := range n.all {
		rules = append(rules, fmt.Sprintf("%q", p))
	}
	for typ, ps := range n.byType {
		for _, p := range ps {
			rules = append(rules, fmt.Sprintf("%q %q", typ, p))
		}
	}
	slices.Sort(rules)
	return rules
}

func (n *normalizer) rules(typ string) [][]string {
	if len(n.byType[typ]) == 0 {
		return n.all
	}
	return append(slices.Clip(n.all), n.byType[typ]...)
}

// fingerprint is the SHA-256 of body's normalized form.
func (n *normalizer) fingerprint(typ string, body []byte) ([sha256.Size]byte, error) {
	if !n.mayChange(typ, body) {
		return sha256.Sum256(body), nil
	}
	if len(n.rules(typ)) == 0 {
		buf := strippedBodies.Get().(*[]byte)
		defer strippedBodies.Put(buf)
		stripped, ok := dropTopLevel((*buf)[:0], body, envelope)
		if ok {
			*buf = stripped
			return sha256.Sum256(stripped), nil
		}
	}
	norm, err := n.normalize(typ, body)
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	return sha256.Sum256(norm), nil
}

// strippedBodies are buffers for fingerprint, which hashes a body without
// its envelope once per resource read.
var strippedBodies = sync.Pool{New: func() any { return new([]byte) }}

// mayChange is a quick test that spares most bodies a parse: without an
// envelope field and ignore rules, the normalized form is body itself.
func (n *normalizer) mayChange(typ string, body []byte) bool {
	if len(n.rules(typ)) > 0 {
		return true
	}
	for _, f := range envelope {
		if bytes.Contains(body, []byte(`"`+f+`"`)) {
			return true
		}
	}
	return false
}

// normalize returns the canonical JSON of body without its envelope and
// ignored fields.
func (n *normalizer) normalize(typ string, body []byte) ([]byte, error) {
	v, err := n.normalized(typ, body)
	if err != nil {
		return nil, err
	}
	return sdk.MarshalCanonical(v)
}

func (n *normalizer) normalized(typ string, body []byte) (any, error) {
	v, err := sdk.UnmarshalJSON(body)
	if err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	if obj, ok := v.(map[string]any); ok {
		for _, f := range envelope {
			delete(obj, f)
		}
	}
	for _, p := range n.rules(typ) {
		v = removeAt(v, p)
	}
	return v, nil
}

// keepIgnored returns src with every ignored field as dst has it: the
// destination's value, or no field where the destination has none. The
// server manages those fields; sending our copy would fight it.
func (n *normalizer) keepIgnored(typ string, src, dst []byte) ([]byte, error) {
	rules := n.rules(typ)
	if len(rules) == 0 {
		return src, nil
	}
	sv, err := sdk.UnmarshalJSON(src)
	if err != nil {
		return nil, err
	}
	dv, err := sdk.UnmarshalJSON(dst)
	if err != nil {
		return nil, err
	}
	for _, p := range rules {
		if val, ok := lookup(dv, p); ok {
			sv = setAt(sv, p, val)
		} else {
			sv = removeAt(sv, p)
		}
	}
	return sdk.MarshalCanonical(sv)
}

func lookup(v any, path []string) (any, bool) {
	for _, t := range path {
		switch c := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = c[t]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			v = c[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// removeAt deletes the field at path, if there is one.
func removeAt(v any, path []string) any {
	if len(path) == 0 {
		return v
	}
	switch c := v.(type) {
	case map[string]any:
		if len(path) == 1 {
			delete(c, path[0])
		} else if child, ok := c[path[0]]; ok {
			c[path[0]] = removeAt(child, path[1:])
		}
	case []any:
		i, err := strconv.Atoi(path[0])
		if err != nil || i < 0 || i >= len(c) {
			return v
		}
		if len(path) == 1 {
			return append(c[:i:i], c[i+1:]...)
		}
		c[i] = removeAt(c[i], path[1:])
	}
	return v
}

// setAt sets the field at path, creating the objects on the way; it
// leaves v alone where the way goes through something else.
func setAt(v any, path []string, val any) any {
	if len(path) == 0 {
		return val
	}
	switch c := v.(type) {
	case map[string]any:
		c[path[0]] = setAt(c[path[0]], path[1:], val)
		return c
	case []any:
		i, err := strconv.Atoi(path[0])
		if err == nil && i >= 0 && i < len(c) {
			c[i] = setAt(c[i], path[1:], val)
		}
		return c
	case nil:
		return map[string]any{path[0]: setAt(nil, path[1:], val)}
	}
	return v
}

// firstDifference names the first place, in key order, where two
// normalized values differ, as a JSON pointer ("" for the whole value).
func firstDifference(a, b any) string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return ""
		}
		keys := make([]string, 0, len(x)+len(y))
		for k := range x {
			keys = append(keys, k)
		}
		for k := range y {
			if _, ok := x[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			xv, xok := x[k]
			yv, yok := y[k]
			if xok != yok {
				return "/" + escapeToken(k)
			}
			if d, same := differs(xv, yv); !same {
				return "/" + escapeToken(k) + d
			}
		}
		return ""
	case []any:
		y, ok := b.([]any)
		if !ok {
			return ""
		}
		for i := range min(len(x), len(y)) {
			if d, same := differs(x[i], y[i]); !same {
				return "/" + strconv.Itoa(i) + d
			}
		}
		if len(x) != len(y) {
			return "/" + strconv.Itoa(min(len(x), len(y)))
		}
	}
	return ""
}

// differs compares two decoded values and, when they differ, says where.
func differs(a, b any) (string, bool) {
	ac, err1 := sdk.MarshalCanonical(a)
	bc, err2 := sdk.MarshalCanonical(b)
	if err1 == nil && err2 == nil && bytes.Equal(ac, bc) {
		return "", true
	}
	return firstDifference(a, b), false
}

func escapeToken(t string) string {
	return strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1")
}

// dropTopLevel appends to dst canonical JSON without the given top-level
// fields, in one pass over the bytes: no parse, no re-encoding. It relies on the
// input being canonical (compact, valid), and returns ok false for
// anything else, so that the caller falls back to a full parse.
func dropTopLevel(dst, b []byte, fields []string) (out []byte, ok bool) {
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return nil, false
	}
	out = append(dst, '{')
	i := 1
	first := true
	for i < len(b)-1 {
		start := i
		if b[i] != '"' {
			return nil, false
		}
		keyEnd, ok := jsonscan.Terminated(b, i)
		if !ok || keyEnd >= len(b) || b[keyEnd] != ':' {
			return nil, false
		}
		valEnd, ok := skipValue(b, keyEnd+1)
		if !ok {
			return nil, false
		}
		key := b[start+1 : keyEnd-1]
		drop := false
		for _, f := range fields {
			if string(key) == f {
				drop = true
				break
			}
		}
		if !drop {
			if !first {
				out = append(out, ',')
			}
			out = append(out, b[start:valEnd]...)
			first = false
		}
		i = valEnd
		if i < len(b)-1 {
			if b[i] != ',' || i+1 == len(b)-1 {
				return nil, false
			}
			i++
		}
	}
	return append(out, '}'), true
}

// skipValue returns the index just past the compact JSON value at b[i].
func skipValue(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch b[i] {
	case '"':
		return jsonscan.Terminated(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, ok := jsonscan.Terminated(b, j)
				if !ok {
					return 0, false
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1, true
				}
			}
		}
		return 0, false
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' {
		j++
	}
	return j, j > i
}
