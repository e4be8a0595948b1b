package yaml

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/resource-sync/resource-sync/sdk"
)

// Encode writes v as one YAML document: "---", keys sorted, two-space
// indentation, numbers as written, strings quoted whenever a YAML 1.1 or
// 1.2 reader could take them for anything else, and multi-line strings as
// literal blocks when that reads back exactly. Both styles are the same:
// a document starting with "---" already is a stream item.
//
// Encode has its own emitter: yaml.v3's does not quote yes, no, on and off
// for YAML 1.1 readers and escapes every character beyond the BMP (emoji
// come out as "\U0001F600").
func (Formatter) Encode(v sdk.Value, style sdk.Style) ([]byte, error) {
	if style != sdk.StyleFile && style != sdk.StyleStream {
		return nil, fmt.Errorf("yaml: unknown style %d", style)
	}
	tree, err := sdk.UnmarshalJSON(v.JSON)
	if err != nil {
		return nil, &sdk.Error{Source: v.Source, Line: v.Line, Msg: "cannot encode invalid JSON: " + err.Error()}
	}
	e := emitter{buf: make([]byte, 0, len(v.JSON)+len(v.JSON)/2)}
	e.buf = append(e.buf, "---\n"...)
	e.node(tree, 0, atTop)
	return e.buf, nil
}

// position is where a node is written.
type position int

const (
	atTop     position = iota // the document's root, on a line of its own
	afterKey                  // after "key:" (or ":" of an explicit key)
	afterDash                 // after the "-" of a sequence entry
)

// maxImplicitKey is the longest key written as "key: value". YAML limits
// implicit keys to 1024 characters; longer ones are written "? key".
const maxImplicitKey = 1000

// emitter writes block-style YAML.
type emitter struct {
	buf []byte
}

// node writes v. col is the column of the key or dash v belongs to (0 at
// the top); nested collections and literal blocks go two columns further.
func (e *emitter) node(v any, col int, pos position) {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 0 {
			e.scalar("{}", pos)
			return
		}
		col = e.openCollection(col, pos)
		e.mapping(v, col, pos == afterDash)
	case []any:
		if len(v) == 0 {
			e.scalar("[]", pos)
			return
		}
		col = e.openCollection(col, pos)
		e.sequence(v, col, pos == afterDash)
	case string:
		if literalOK(v) {
			if pos != atTop {
				e.buf = append(e.buf, ' ')
			}
			e.literal(v, col+2)
			return
		}
		e.scalar(scalarText(v), pos)
	case json.Number:
		e.scalar(string(v), pos)
	case bool:
		e.scalar(strconv.FormatBool(v), pos)
	case nil:
		e.scalar("null", pos)
	default:
		panic(fmt.Sprintf("yaml: unexpected %T in decoded JSON", v))
	}
}

// openCollection starts a non-empty mapping or sequence and returns the
// column its entries sit at: on the next line under a key, on the same
// line after a dash ("- - x", "- a: 1").
func (e *emitter) openCollection(col int, pos position) int {
	switch pos {
	case afterKey:
		e.buf = append(e.buf, '\n')
		return col + 2
	case afterDash:
		e.buf = append(e.buf, ' ')
		return col + 2
	}
	return 0
}

// mapping writes m's entries at col, keys sorted. When inline, the first
// entry continues the current line.
func (e *emitter) mapping(m map[string]any, col int, inline bool) {
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 || !inline {
			e.indent(col)
		}
		key := scalarText(k)
		if len(key) > maxImplicitKey {
			e.buf = append(e.buf, "? "...)
			e.buf = append(e.buf, key...)
			e.buf = append(e.buf, '\n')
			e.indent(col)
		} else {
			e.buf = append(e.buf, key...)
		}
		e.buf = append(e.buf, ':')
		e.node(m[k], col, afterKey)
	}
}

// sequence writes s's entries at col. When inline, the first entry
// continues the current line.
func (e *emitter) sequence(s []any, col int, inline bool) {
	for i, item := range s {
		if i > 0 || !inline {
			e.indent(col)
		}
		e.buf = append(e.buf, '-')
		e.node(item, col, afterDash)
	}
}

// scalar writes text as a one-line scalar ending its line.
func (e *emitter) scalar(text string, pos position) {
	if pos != atTop {
		e.buf = append(e.buf, ' ')
	}
	e.buf = append(e.buf, text...)
	e.buf = append(e.buf, '\n')
}

// literal writes s, which literalOK accepted, as a literal block scalar
// whose lines sit at col. The chomping indicator carries the trailing
// newlines: "-" for none, nothing for one, "+" for more.
func (e *emitter) literal(s string, col int) {
	body := trimNewlines(s)
	trailing := len(s) - len(body)
	switch {
	case trailing == 0:
		e.buf = append(e.buf, "|-\n"...)
	case trailing == 1:
		e.buf = append(e.buf, "|\n"...)
	default:
		e.buf = append(e.buf, "|+\n"...)
	}
	for line := range splitLines(body) {
		if line != "" {
			e.indent(col)
			e.buf = append(e.buf, line...)
		}
		e.buf = append(e.buf, '\n')
	}
	for range trailing - 1 {
		e.buf = append(e.buf, '\n')
	}
}

func (e *emitter) indent(col int) {
	for range col {
		e.buf = append(e.buf, ' ')
	}
}
