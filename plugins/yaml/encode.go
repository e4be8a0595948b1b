package yaml

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/resource-sync/resource-sync/internal/jsonscan"
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
// come out as "\U0001F600"). It walks the canonical JSON's bytes, whose
// keys are sorted already, rather than a decoded tree: decoding into maps
// was half of its cost.
func (Formatter) Encode(v sdk.Value, style sdk.Style) ([]byte, error) {
	if style != sdk.StyleFile && style != sdk.StyleStream {
		return nil, fmt.Errorf("yaml: unknown style %d", style)
	}
	// The host hands over canonical JSON; this checks it, and otherwise
	// refuses what is not JSON in encoding/json's words and sorts what
	// was not.
	canon := v.JSON
	if !sdk.IsCanonicalJSON(canon) {
		var err error
		if canon, err = sdk.CanonicalJSON(v.JSON); err != nil {
			return nil, &sdk.Error{Source: v.Source, Line: v.Line, Msg: "cannot encode invalid JSON: " + err.Error()}
		}
	}
	e := emitter{buf: make([]byte, 0, len(canon)+len(canon)/2)}
	e.buf = append(e.buf, "---\n"...)
	e.value(canon, 0, 0, atTop)
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

// value writes the value at d[pos:], canonical JSON, and returns where it
// ends. col is the column of the key or dash it belongs to (0 at the
// top); nested collections and literal blocks go two columns further.
func (e *emitter) value(d []byte, pos, col int, at position) int {
	switch d[pos] {
	case '{':
		if d[pos+1] == '}' {
			e.scalar("{}", at)
			return pos + 2
		}
		col = e.openCollection(col, at)
		for first := true; ; first = false {
			keyEnd := jsonscan.StringEnd(d, pos+1)
			e.key(unquote(d[pos+1:keyEnd]), col, first && at == afterDash)
			pos = e.value(d, keyEnd+1, col, afterKey) // past ':'
			if d[pos] == '}' {
				return pos + 1
			}
		}
	case '[':
		if d[pos+1] == ']' {
			e.scalar("[]", at)
			return pos + 2
		}
		col = e.openCollection(col, at)
		for first := true; ; first = false {
			if !first || at != afterDash {
				e.indent(col)
			}
			e.buf = append(e.buf, '-')
			pos = e.value(d, pos+1, col, afterDash) // past '[' or ','
			if d[pos] == ']' {
				return pos + 1
			}
		}
	case '"':
		end := jsonscan.StringEnd(d, pos)
		e.str(unquote(d[pos:end]), col, at)
		return end
	}
	end := jsonscan.ValueEnd(d, pos) // a number, true, false or null, as written
	e.scalar(string(d[pos:end]), at)
	return end
}

// unquote decodes a canonical JSON string. Most hold no escape at all.
func unquote(quoted []byte) string {
	if bytes.IndexByte(quoted, '\\') < 0 {
		return string(quoted[1 : len(quoted)-1])
	}
	var s string
	if err := json.Unmarshal(quoted, &s); err != nil {
		panic(fmt.Sprintf("yaml: %s in canonical JSON: %v", quoted, err))
	}
	return s
}

// key writes one mapping key and its colon at col. When inline, it
// continues the current line (the first key after a dash).
func (e *emitter) key(k string, col int, inline bool) {
	if !inline {
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
}

// str writes a string value: a literal block when it reads back exactly
// as one, else a one-line scalar.
func (e *emitter) str(s string, col int, at position) {
	if !literalOK(s) {
		e.scalar(scalarText(s), at)
		return
	}
	if at != atTop {
		e.buf = append(e.buf, ' ')
	}
	e.literal(s, col+2)
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
