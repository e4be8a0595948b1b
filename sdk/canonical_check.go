package sdk

import (
	"bytes"
	"unicode/utf8"
)

// IsCanonicalJSON reports whether data is one JSON value exactly as
// [CanonicalJSON] gives it. The host sends canonical JSON: a formatter or
// schema that checks what it was given this way, rather than
// canonicalizing it again, reads it once and copies nothing, unless an
// object key holds an escape (a quote, a backslash, a control
// character), where it compares with CanonicalJSON's copy.
func IsCanonicalJSON(data []byte) bool {
	k := checker{data: data, esc: canonicalizer{data: data}}
	if k.value() && k.pos == len(data) {
		return true
	}
	if k.escapedKey {
		// Keys sort by their decoded text, which this does not keep.
		canon, err := CanonicalJSON(data)
		return err == nil && bytes.Equal(canon, data)
	}
	return false
}

// checker walks a JSON text as the canonicalizer does, accepting only
// what the canonicalizer would copy unchanged.
type checker struct {
	data  []byte
	pos   int
	depth int
	// escapedKey is set when the walk stopped at a key holding an escape.
	escapedKey bool
	esc        canonicalizer // decodes escapes (canonicalizer.escape)
}

func (k *checker) value() bool {
	if k.pos >= len(k.data) {
		return false
	}
	switch b := k.data[k.pos]; {
	case b == '{':
		return k.object()
	case b == '[':
		return k.array()
	case b == '"':
		_, ok := k.str()
		return ok
	case b == '-' || '0' <= b && b <= '9':
		end, ok := numberEnd(k.data, k.pos)
		k.pos = end
		return ok
	case b == 't':
		return k.literal("true")
	case b == 'f':
		return k.literal("false")
	case b == 'n':
		return k.literal("null")
	}
	return false
}

func (k *checker) literal(word string) bool {
	if !bytes.HasPrefix(k.data[k.pos:], []byte(word)) {
		return false
	}
	k.pos += len(word)
	return true
}

// next takes the byte at k.pos if it is b.
func (k *checker) next(b byte) bool {
	if k.pos < len(k.data) && k.data[k.pos] == b {
		k.pos++
		return true
	}
	return false
}

func (k *checker) array() bool {
	if k.depth++; k.depth > maxJSONDepth {
		return false
	}
	k.pos++ // [
	if !k.next(']') {
		for {
			if !k.value() {
				return false
			}
			if k.next(']') {
				break
			}
			if !k.next(',') {
				return false
			}
		}
	}
	k.depth--
	return true
}

func (k *checker) object() bool {
	if k.depth++; k.depth > maxJSONDepth {
		return false
	}
	k.pos++ // {
	if !k.next('}') {
		var prev []byte
		for i := 0; ; i++ {
			if k.pos >= len(k.data) || k.data[k.pos] != '"' {
				return false
			}
			key, ok := k.str()
			if !ok {
				return false
			}
			if bytes.IndexByte(key, '\\') >= 0 {
				k.escapedKey = true
				return false
			}
			// Strictly in order: of a key given twice, the
			// canonical form keeps only the last.
			if i > 0 && bytes.Compare(prev, key) >= 0 {
				return false
			}
			prev = key
			if !k.next(':') || !k.value() {
				return false
			}
			if k.next('}') {
				break
			}
			if !k.next(',') {
				return false
			}
		}
	}
	k.depth--
	return true
}

// str takes the string at k.pos, returning its text between the quotes,
// if every character of it is as the canonical form writes it: bytes the
// canonicalizer copies as they are, valid UTF-8 but U+2028 and U+2029,
// and the escapes appendCanonicalRune writes.
func (k *checker) str() ([]byte, bool) {
	d := k.data
	k.pos++ // opening quote
	begin := k.pos
	for k.pos < len(d) {
		for k.pos < len(d) && copiedAsIs[d[k.pos]] {
			k.pos++
		}
		if k.pos == len(d) {
			break
		}
		switch b := d[k.pos]; {
		case b == '"':
			k.pos++
			return d[begin : k.pos-1], true
		case b < 0x20:
			return nil, false
		case b == '\\':
			r, n, ok := k.esc.escape(k.pos)
			var buf [utf8.UTFMax + 3]byte
			if !ok || !bytes.Equal(appendCanonicalRune(buf[:0], r), d[k.pos:k.pos+n]) {
				return nil, false
			}
			k.pos += n
		default:
			r, size := utf8.DecodeRune(d[k.pos:])
			if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
				return nil, false
			}
			k.pos += size
		}
	}
	return nil, false // unterminated
}
