package sdk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// CanonicalJSON rewrites one JSON value in the form resources travel in:
// object keys sorted, no insignificant whitespace, HTML characters not
// escaped, and numbers exactly as written (1e20 stays 1e20, integers keep
// every digit). Two values are equal exactly when their canonical forms are.
//
// It gives the bytes encoding/json would (UnmarshalJSON, then
// MarshalCanonical) in a single pass over data: a duplicate key keeps its
// last value, and invalid UTF-8 becomes U+FFFD. For input a user wrote,
// [CanonicalJSONStrict] refuses both instead.
func CanonicalJSON(data []byte) ([]byte, error) {
	return canonical(data, false)
}

// CanonicalJSONStrict is [CanonicalJSON] for documents people write: a key
// twice in one object, invalid UTF-8 and escaped lone UTF-16 surrogates
// (which would silently become U+FFFD) are errors, as YAML makes them.
// Those errors are *JSONError, with the offset of the problem in data.
func CanonicalJSONStrict(data []byte) ([]byte, error) {
	return canonical(data, true)
}

func canonical(data []byte, strict bool) ([]byte, error) {
	c := canonicalizers.Get().(*canonicalizer)
	c.data, c.pos, c.out, c.strict, c.depth, c.err = data, 0, make([]byte, 0, len(data)), strict, 0, nil
	ok, out, err := c.run(), c.out, c.err
	c.release()
	if !ok {
		return canonicalSlow(data, err)
	}
	return out, nil
}

// canonicalizers keep their scratch slices between values: growing them
// for each value was most of the cost.
var canonicalizers = sync.Pool{New: func() any { return new(canonicalizer) }}

// A pooled canonicalizer keeps no more than this of one large value.
const (
	maxKeptMembers = 1024
	maxKeptScratch = 64 << 10
)

// release puts c back in the pool with its scratch slices, but not what
// the caller got (out), nor anything pointing into the input.
func (c *canonicalizer) release() {
	clear(c.members[:cap(c.members)]) // their keys point into the input
	c.data, c.out, c.err = nil, nil, nil
	c.members, c.scratch, c.keyBuf = c.members[:0], c.scratch[:0], c.keyBuf[:0]
	if cap(c.members) > maxKeptMembers {
		c.members = nil
	}
	if cap(c.scratch) > maxKeptScratch {
		c.scratch = nil
	}
	if cap(c.keyBuf) > maxKeptScratch {
		c.keyBuf = nil
	}
	canonicalizers.Put(c)
}

// JSONError is a problem at a byte offset of a JSON text.
type JSONError struct {
	Offset int
	Msg    string
}

func (e *JSONError) Error() string { return e.Msg }

// canonicalSlow is the encoding/json path. The single pass falls back to
// it when it meets anything it does not accept, so that syntax errors
// read exactly as encoding/json words them; a strict-mode refusal is
// returned as it is.
func canonicalSlow(data []byte, err *JSONError) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	v, uerr := UnmarshalJSON(data)
	if uerr != nil {
		return nil, uerr
	}
	// Only reachable if the single pass is stricter than encoding/json by
	// mistake; the fuzz test looks for such inputs.
	return MarshalCanonical(v)
}

// MarshalCanonical encodes v (made of maps, slices, strings, bools, nil,
// json.Number and Go numbers) as canonical JSON.
func MarshalCanonical(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON decodes exactly one JSON value into maps, slices and
// json.Number, so numbers keep their exact text.
func UnmarshalJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

// maxJSONDepth is encoding/json's nesting limit; deeper input goes to the
// slow path, which refuses it in encoding/json's words.
const maxJSONDepth = 10000

// canonicalizer copies one JSON text into out in canonical form. Object
// members are written as they come; an object whose keys were not in
// order (rare: most input is canonical already) is reordered in place.
type canonicalizer struct {
	data   []byte
	pos    int
	out    []byte
	strict bool
	depth  int
	// err is set by a strict-mode refusal; any other failure leaves it
	// nil and the caller takes the slow path.
	err *JSONError
	// members is a stack of the open objects' members; scratch holds an
	// object's bytes while it is reordered, keyBuf decoded keys that
	// differ from their text.
	members []member
	scratch []byte
	keyBuf  []byte
}

// member is one "key":value of an object, as written to out.
type member struct {
	key        []byte // decoded
	start, end int    // in out
	offset     int    // of the key in data, for errors
}

func (c *canonicalizer) run() bool {
	if !c.value() {
		return false
	}
	c.skipSpace()
	return c.pos == len(c.data)
}

func (c *canonicalizer) skipSpace() {
	for c.pos < len(c.data) {
		switch c.data[c.pos] {
		case ' ', '\t', '\n', '\r':
			c.pos++
		default:
			return
		}
	}
}

func (c *canonicalizer) value() bool {
	c.skipSpace()
	if c.pos >= len(c.data) {
		return false
	}
	switch b := c.data[c.pos]; {
	case b == '{':
		return c.object()
	case b == '[':
		return c.array()
	case b == '"':
		var ok bool
		c.out, _, ok = c.str(c.out, false)
		return ok
	case b == '-' || '0' <= b && b <= '9':
		return c.number()
	case b == 't':
		return c.literal("true")
	case b == 'f':
		return c.literal("false")
	case b == 'n':
		return c.literal("null")
	}
	return false
}

func (c *canonicalizer) literal(word string) bool {
	if !bytes.HasPrefix(c.data[c.pos:], []byte(word)) {
		return false
	}
	c.out = append(c.out, word...)
	c.pos += len(word)
	return true
}

// number copies a number as written, after checking JSON's grammar.
func (c *canonicalizer) number() bool {
	end, ok := numberEnd(c.data, c.pos)
	if !ok {
		return false
	}
	c.out = append(c.out, c.data[c.pos:end]...)
	c.pos = end
	return true
}

// numberEnd is the end of the JSON number at d[i], if one is there.
func numberEnd(d []byte, i int) (int, bool) {
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		for i < len(d) && isDigit(d[i]) {
			i++
		}
	default:
		return 0, false
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || !isDigit(d[i]) {
			return 0, false
		}
		for i < len(d) && isDigit(d[i]) {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || !isDigit(d[i]) {
			return 0, false
		}
		for i < len(d) && isDigit(d[i]) {
			i++
		}
	}
	return i, true
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

func (c *canonicalizer) array() bool {
	if c.depth++; c.depth > maxJSONDepth {
		return false
	}
	c.pos++ // [
	c.out = append(c.out, '[')
	c.skipSpace()
	if c.pos < len(c.data) && c.data[c.pos] == ']' {
		c.pos++
		c.out = append(c.out, ']')
		c.depth--
		return true
	}
	for {
		if !c.value() {
			return false
		}
		c.skipSpace()
		if c.pos >= len(c.data) {
			return false
		}
		switch c.data[c.pos] {
		case ',':
			c.pos++
			c.out = append(c.out, ',')
		case ']':
			c.pos++
			c.out = append(c.out, ']')
			c.depth--
			return true
		default:
			return false
		}
	}
}

func (c *canonicalizer) object() bool {
	if c.depth++; c.depth > maxJSONDepth {
		return false
	}
	c.pos++ // {
	c.out = append(c.out, '{')
	base := len(c.members)
	sorted := true
	c.skipSpace()
	if c.pos < len(c.data) && c.data[c.pos] == '}' {
		c.pos++
		c.out = append(c.out, '}')
		c.depth--
		return true
	}
	for {
		c.skipSpace()
		if c.pos >= len(c.data) || c.data[c.pos] != '"' {
			return false
		}
		m := member{start: len(c.out), offset: c.pos}
		var ok bool
		if c.out, m.key, ok = c.str(c.out, true); !ok {
			return false
		}
		c.skipSpace()
		if c.pos >= len(c.data) || c.data[c.pos] != ':' {
			return false
		}
		c.pos++
		c.out = append(c.out, ':')
		if !c.value() {
			return false
		}
		m.end = len(c.out)
		if len(c.members) > base && bytes.Compare(c.members[len(c.members)-1].key, m.key) >= 0 {
			sorted = false
		}
		c.members = append(c.members, m)
		c.skipSpace()
		if c.pos >= len(c.data) {
			return false
		}
		switch c.data[c.pos] {
		case ',':
			c.pos++
			c.out = append(c.out, ',')
			continue
		case '}':
			c.pos++
		default:
			return false
		}
		break
	}
	if !sorted && !c.reorder(c.members[base:]) {
		return false
	}
	c.members = c.members[:base]
	c.out = append(c.out, '}')
	c.depth--
	return true
}

// reorder rewrites the members of the object ending out in key order,
// keeping the last of duplicate keys as encoding/json does (strict mode
// refuses them).
func (c *canonicalizer) reorder(ms []member) bool {
	start := ms[0].start
	c.scratch = append(c.scratch[:0], c.out[start:]...)
	slices.SortStableFunc(ms, func(a, b member) int { return bytes.Compare(a.key, b.key) })
	c.out = c.out[:start]
	var dup *member // the first repeated key in the input, for strict mode
	for i, m := range ms {
		if i+1 < len(ms) && bytes.Equal(m.key, ms[i+1].key) {
			if dup == nil || ms[i+1].offset < dup.offset {
				dup = &ms[i+1]
			}
			continue // a later one wins
		}
		if len(c.out) > start {
			c.out = append(c.out, ',')
		}
		c.out = append(c.out, c.scratch[m.start-start:m.end-start]...)
	}
	if dup != nil && c.strict {
		c.err = &JSONError{Offset: dup.offset, Msg: fmt.Sprintf("duplicate key %q", dup.key)}
		return false
	}
	return true
}

// str copies the string at c.pos to dst in canonical form. For a key it
// also returns the decoded text, for sorting: a slice of the input when
// the string needs no decoding, else a copy.
func (c *canonicalizer) str(dst []byte, key bool) (out, decoded []byte, ok bool) {
	d := c.data
	c.pos++ // opening quote
	begin := c.pos
	dst = append(dst, '"')
	var keyStart int // in c.keyBuf
	if key {
		keyStart = len(c.keyBuf)
	}
	plain := true // decoded text equals d[begin:c.pos] so far
	runStart := c.pos
	flush := func() {
		dst = append(dst, d[runStart:c.pos]...)
		if key && !plain {
			c.keyBuf = append(c.keyBuf, d[runStart:c.pos]...)
		}
	}
	// addRune writes r, and adds it to the decoded key once that differs
	// from the text.
	addRune := func(r rune) {
		dst = appendCanonicalRune(dst, r)
		if key && !plain {
			c.keyBuf = utf8.AppendRune(c.keyBuf, r)
		}
	}
	diverge := func() {
		if key && plain {
			c.keyBuf = append(c.keyBuf, d[begin:c.pos]...)
		}
		plain = false
	}
	for c.pos < len(d) {
		// Most of a string is bytes copied as they are: skip them first.
		for c.pos < len(d) && copiedAsIs[d[c.pos]] {
			c.pos++
		}
		if c.pos == len(d) {
			break
		}
		b := d[c.pos]
		switch {
		case b == '"':
			flush()
			c.pos++
			dst = append(dst, '"')
			if !key {
				return dst, nil, true
			}
			if plain {
				return dst, d[begin : c.pos-1], true
			}
			return dst, c.keyBuf[keyStart:len(c.keyBuf):len(c.keyBuf)], true
		case b < 0x20:
			return dst, nil, false // control characters must be escaped
		case b == '\\':
			flush()
			diverge()
			r, n, ok := c.escape(c.pos)
			if !ok {
				return dst, nil, false
			}
			c.pos += n
			addRune(r)
			runStart = c.pos
		case b < utf8.RuneSelf:
			c.pos++
		default:
			r, size := utf8.DecodeRune(d[c.pos:])
			if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
				if r == utf8.RuneError && c.strict {
					c.err = &JSONError{Offset: c.pos, Msg: fmt.Sprintf("invalid UTF-8 (byte 0x%02x)", d[c.pos])}
					return dst, nil, false
				}
				flush()
				if r == utf8.RuneError {
					diverge() // the decoded text has U+FFFD here
				}
				c.pos += size
				addRune(r)
				runStart = c.pos
				continue
			}
			c.pos += size
		}
	}
	return dst, nil, false // unterminated
}

// copiedAsIs says which bytes of a JSON string stay as they are in the
// canonical form with no decoding: printable ASCII but the quote and the
// backslash.
var copiedAsIs = func() (t [256]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

// escape decodes the escape sequence at d[at] ("\n", "\u00e9", a
// surrogate pair), returning the rune and the bytes it took. A lone
// surrogate is U+FFFD, as encoding/json reads it, or an error in strict
// mode.
func (c *canonicalizer) escape(at int) (rune, int, bool) {
	d := c.data
	if at+1 >= len(d) {
		return 0, 0, false
	}
	switch d[at+1] {
	case '"', '\\', '/':
		return rune(d[at+1]), 2, true
	case 'b':
		return '\b', 2, true
	case 'f':
		return '\f', 2, true
	case 'n':
		return '\n', 2, true
	case 'r':
		return '\r', 2, true
	case 't':
		return '\t', 2, true
	case 'u':
	default:
		return 0, 0, false
	}
	r, ok := hex4(d, at+2)
	if !ok {
		return 0, 0, false
	}
	if !utf16.IsSurrogate(r) {
		return r, 6, true
	}
	if at+7 < len(d) && d[at+6] == '\\' && d[at+7] == 'u' {
		if r2, ok := hex4(d, at+8); ok {
			if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
				return dec, 12, true
			}
		}
	}
	if c.strict {
		c.err = &JSONError{Offset: at, Msg: fmt.Sprintf("invalid Unicode escape %s: a lone UTF-16 surrogate", d[at:at+6])}
		return 0, 0, false
	}
	return utf8.RuneError, 6, true
}

func hex4(d []byte, at int) (rune, bool) {
	if at+4 > len(d) {
		return 0, false
	}
	var r rune
	for _, b := range d[at : at+4] {
		switch {
		case '0' <= b && b <= '9':
			b -= '0'
		case 'a' <= b && b <= 'f':
			b -= 'a' - 10
		case 'A' <= b && b <= 'F':
			b -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(b)
	}
	return r, true
}

const lowerHex = "0123456789abcdef"

// appendCanonicalRune writes a decoded rune as encoding/json does with
// HTML escaping off: quote, backslash and control characters escaped,
// U+2028 and U+2029 escaped, everything else as UTF-8.
func appendCanonicalRune(dst []byte, r rune) []byte {
	switch r {
	case '"', '\\':
		return append(dst, '\\', byte(r))
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	case '\u2028', '\u2029':
		return append(dst, '\\', 'u', '2', '0', '2', lowerHex[r&0xf])
	}
	if r < 0x20 {
		return append(dst, '\\', 'u', '0', '0', lowerHex[r>>4], lowerHex[r&0xf])
	}
	return utf8.AppendRune(dst, r)
}
