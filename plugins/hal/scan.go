package hal

import (
	"bytes"

	"github.com/resource-sync/resource-sync/internal/jsonscan"
)

// Classify reads only what it needs of a page: the id, _links, items and
// _embedded of each document. The page is made canonical once (a no-op
// rewrite for the canonical JSON formatters hand over), then walked as
// bytes; every other field is skipped without being decoded, and each
// resource's body is its slice of the canonical page, which is canonical
// JSON itself. Nothing is decoded into maps and marshalled back.

// object is the bytes of one canonical JSON object, "{...}".
type object []byte

// field returns the value of the member whose key is exactly the quoted
// key (`"id"`), or nil. Canonical objects hold each key once.
func (o object) field(quotedKey string) (value []byte) {
	o.members(func(key, v []byte) bool {
		if string(key) == quotedKey {
			value = v
			return false
		}
		return true
	})
	return value
}

// each calls yield with each member's key (unquoted) and value, in order,
// until it returns false. It returns false then, and for a key with an
// escape, which it does not decode.
func (o object) each(yield func(key, value []byte) bool) bool {
	return o.members(func(key, v []byte) bool {
		key = key[1 : len(key)-1]
		return bytes.IndexByte(key, '\\') < 0 && yield(key, v)
	})
}

// members calls yield with each member's quoted key and value, in order,
// until it returns false, and reports whether it never did.
func (o object) members(yield func(quotedKey, value []byte) bool) bool {
	pos := 1
	for pos < len(o) && o[pos] == '"' {
		keyEnd := jsonscan.StringEnd(o, pos)
		valStart := keyEnd + 1 // past ':'
		valEnd := jsonscan.ValueEnd(o, valStart)
		if !yield(o[pos:keyEnd], o[valStart:valEnd]) {
			return false
		}
		if valEnd >= len(o) || o[valEnd] != ',' {
			return true
		}
		pos = valEnd + 1
	}
	return true
}

// elements returns the values of the canonical JSON array list.
func elements(list []byte) [][]byte {
	var out [][]byte
	for pos := 1; pos < len(list) && list[pos] != ']'; {
		end := jsonscan.ValueEnd(list, pos)
		out = append(out, list[pos:end])
		pos = end + 1 // past ',' or to the closing ']'
	}
	return out
}

// isNull reports a missing or null value, which HAL documents use alike.
func isNull(v []byte) bool {
	return v == nil || string(v) == "null"
}

// kind names the JSON type of a value for messages, as schemautil.Kind.
func kind(v []byte) string {
	switch v[0] {
	case '{':
		return "a mapping"
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}
