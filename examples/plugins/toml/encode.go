package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/resource-sync/resource-sync/sdk"
)

// Encode writes v as a TOML document: plain keys first, then each table
// under its [header] and each list of tables as [[entries]], keys sorted
// at every level. Strings with line breaks become multi-line strings.
// Inside arrays and inline tables everything stays on one line, as TOML
// requires. Numbers are written exactly as in the JSON.
func (Formatter) Encode(v sdk.Value, _ sdk.Style) ([]byte, error) {
	parsed, err := sdk.UnmarshalJSON(v.JSON)
	if err != nil {
		return nil, &sdk.Error{Source: v.Source, Line: v.Line, Msg: "cannot encode invalid JSON: " + err.Error()}
	}
	table, ok := parsed.(map[string]any)
	if !ok {
		return nil, &sdk.Error{Source: v.Source, Line: v.Line,
			Msg: fmt.Sprintf("cannot encode %s as TOML: a TOML document is a table, so only a JSON object can be written", jsonKind(parsed))}
	}
	e := encoder{}
	if err := e.table(nil, "", table); err != nil {
		var ke *keyError
		if errors.As(err, &ke) {
			return nil, &sdk.Error{Source: v.Source, Line: v.Line, Msg: ke.Error()}
		}
		return nil, err
	}
	return e.buf.Bytes(), nil
}

// keyError is a value TOML cannot hold, at the key that holds it.
type keyError struct {
	key string // as written in TOML, with [i] for list items
	msg string
}

func (e *keyError) Error() string {
	if e.key == "" {
		return e.msg
	}
	return fmt.Sprintf("cannot encode key %s: %s", e.key, e.msg)
}

type encoder struct {
	buf bytes.Buffer
}

// table writes the body of the table at header path, then its sub-tables.
// at names the table in errors.
func (e *encoder) table(path []string, at string, t map[string]any) error {
	keys := sortedKeys(t)
	for _, k := range keys {
		v := t[k]
		if isTable(v) || isTableList(v) {
			continue
		}
		e.buf.WriteString(quoteKey(k))
		e.buf.WriteString(" = ")
		if err := e.value(join(at, k), v, false); err != nil {
			return err
		}
		e.buf.WriteByte('\n')
	}
	for _, k := range keys {
		sub := append(path[:len(path):len(path)], k)
		switch v := t[k].(type) {
		case map[string]any:
			if !isTable(v) {
				continue
			}
			if hasPlainKeys(v) {
				// A table holding only tables needs no header of its
				// own: theirs create it.
				e.header("[", sub, "]")
			}
			if err := e.table(sub, join(at, k), v); err != nil {
				return err
			}
		case []any:
			if !isTableList(v) {
				continue
			}
			for i, item := range v {
				e.header("[[", sub, "]]")
				if err := e.table(sub, fmt.Sprintf("%s[%d]", join(at, k), i), item.(map[string]any)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// header starts a table, after a blank line unless it is the first line.
func (e *encoder) header(open string, path []string, close string) {
	if e.buf.Len() > 0 {
		e.buf.WriteByte('\n')
	}
	e.buf.WriteString(open)
	for i, k := range path {
		if i > 0 {
			e.buf.WriteByte('.')
		}
		e.buf.WriteString(quoteKey(k))
	}
	e.buf.WriteString(close)
	e.buf.WriteByte('\n')
}

// value writes one value; inline values (in arrays and inline tables)
// must stay on one line.
func (e *encoder) value(at string, v any, inline bool) error {
	switch v := v.(type) {
	case nil:
		return &keyError{at, "TOML has no null; remove the key or give it a value"}
	case bool:
		e.buf.WriteString(strconv.FormatBool(v))
	case json.Number:
		return e.number(at, v)
	case string:
		if !inline && strings.Contains(v, "\n") {
			e.multiLineString(v)
		} else {
			e.basicString(v)
		}
	case []any:
		e.buf.WriteByte('[')
		for i, item := range v {
			if i > 0 {
				e.buf.WriteString(", ")
			}
			if err := e.value(fmt.Sprintf("%s[%d]", at, i), item, true); err != nil {
				return err
			}
		}
		e.buf.WriteByte(']')
	case map[string]any:
		e.buf.WriteByte('{')
		for i, k := range sortedKeys(v) {
			if i > 0 {
				e.buf.WriteString(",")
			}
			e.buf.WriteByte(' ')
			e.buf.WriteString(quoteKey(k))
			e.buf.WriteString(" = ")
			if err := e.value(join(at, k), v[k], true); err != nil {
				return err
			}
		}
		if len(v) > 0 {
			e.buf.WriteByte(' ')
		}
		e.buf.WriteByte('}')
	default:
		return &keyError{at, fmt.Sprintf("unexpected %T", v)}
	}
	return nil
}

// number writes a JSON number's text, which is valid TOML as it stands,
// once it is sure TOML can hold the value.
func (e *encoder) number(at string, n json.Number) error {
	text := string(n)
	if strings.ContainsAny(text, ".eE") {
		if _, err := strconv.ParseFloat(text, 64); err != nil {
			return &keyError{at, fmt.Sprintf("%s is beyond the range of a TOML float", text)}
		}
	} else if _, err := strconv.ParseInt(text, 10, 64); err != nil {
		return &keyError{at, fmt.Sprintf("%s does not fit in a TOML integer, which is 64-bit", text)}
	}
	e.buf.WriteString(text)
	return nil
}

// basicString writes s as a one-line "basic string".
func (e *encoder) basicString(s string) {
	e.buf.WriteByte('"')
	escape(&e.buf, s, false)
	e.buf.WriteByte('"')
}

// multiLineString writes s as a """multi-line string""". The newline
// after the opening quotes is not part of the value; every quote is
// escaped, so s can never close the string early.
func (e *encoder) multiLineString(s string) {
	e.buf.WriteString("\"\"\"\n")
	escape(&e.buf, s, true)
	e.buf.WriteString("\"\"\"")
}

// escape writes s with what basic strings must escape escaped; newlines
// stay literal in multi-line strings.
func escape(buf *bytes.Buffer, s string, multiLine bool) {
	for _, r := range s {
		switch {
		case r == '"':
			buf.WriteString(`\"`)
		case r == '\\':
			buf.WriteString(`\\`)
		case r == '\n' && multiLine:
			buf.WriteByte('\n')
		case r == '\n':
			buf.WriteString(`\n`)
		case r == '\t':
			buf.WriteString(`\t`)
		case r == '\r':
			buf.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(buf, `\u%04X`, r)
		default:
			buf.WriteRune(r)
		}
	}
}

// quoteKey writes a key bare when TOML allows it, quoted otherwise.
func quoteKey(k string) string {
	if k != "" && strings.IndexFunc(k, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) < 0 {
		return k
	}
	var buf bytes.Buffer
	buf.WriteByte('"')
	escape(&buf, k, false)
	buf.WriteByte('"')
	return buf.String()
}

// join names key k inside the table named at, for messages.
func join(at, k string) string {
	if at == "" {
		return quoteKey(k)
	}
	return at + "." + quoteKey(k)
}

// isTable reports whether v is written as a [table]: a non-empty object.
// An empty one is written inline, as {}.
func isTable(v any) bool {
	t, ok := v.(map[string]any)
	return ok && len(t) > 0
}

// hasPlainKeys reports whether t has keys written as key = value.
func hasPlainKeys(t map[string]any) bool {
	for _, v := range t {
		if !isTable(v) && !isTableList(v) {
			return true
		}
	}
	return false
}

// isTableList reports whether v is written as [[tables]]: a non-empty
// list of objects only.
func isTableList(v any) bool {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return false
	}
	for _, item := range list {
		if _, ok := item.(map[string]any); !ok {
			return false
		}
	}
	return true
}

func sortedKeys(t map[string]any) []string {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// jsonKind names the kind of a decoded JSON value.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	}
	return "an object"
}
