package jsonscan

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// PointerTokens splits an RFC 6901 JSON pointer ("/a/b~1c") into its
// reference tokens (["a", "b/c"]); "" is the whole document.
func PointerTokens(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if p[0] != '/' {
		return nil, errors.New("a JSON pointer starts with /")
	}
	tokens := strings.Split(p[1:], "/")
	for i, t := range tokens {
		for j := 0; j < len(t); j++ {
			if t[j] == '~' && (j+1 == len(t) || (t[j+1] != '0' && t[j+1] != '1')) {
				return nil, fmt.Errorf("%q: ~ must be followed by 0 or 1", p)
			}
		}
		tokens[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return tokens, nil
}

// Pointer returns the bytes of the value that reference tokens name in
// the JSON document data, walking only the objects and arrays on the way
// and skipping every other value without decoding it. A member named
// twice is the last one, as encoding/json decodes it. ok is false when
// the value is not there, or data is not well formed on the way to it;
// the value itself is not validated.
func Pointer(data []byte, tokens []string) (value []byte, ok bool) {
	v := data
	for _, tok := range tokens {
		pos := skipSpace(v, 0)
		if pos >= len(v) {
			return nil, false
		}
		switch v[pos] {
		case '{':
			v, ok = member(v[pos:], tok)
		case '[':
			v, ok = element(v[pos:], tok)
		default:
			return nil, false
		}
		if !ok {
			return nil, false
		}
	}
	start := skipSpace(v, 0)
	if start >= len(v) {
		return nil, false
	}
	return v[start:ValueEnd(v, start)], true
}

// member returns the value of obj's last member named name.
func member(obj []byte, name string) (value []byte, ok bool) {
	pos := skipSpace(obj, 1)
	if pos < len(obj) && obj[pos] == '}' {
		return nil, false
	}
	for pos < len(obj) && obj[pos] == '"' {
		keyEnd := StringEnd(obj, pos)
		key := obj[pos:keyEnd]
		pos = skipSpace(obj, keyEnd)
		if pos >= len(obj) || obj[pos] != ':' {
			return nil, false
		}
		pos = skipSpace(obj, pos+1)
		if pos >= len(obj) {
			return nil, false
		}
		end := ValueEnd(obj, pos)
		if keyIs(key, name) {
			value, ok = obj[pos:end], true
		}
		pos = skipSpace(obj, end)
		if pos >= len(obj) {
			return nil, false
		}
		switch obj[pos] {
		case ',':
			pos = skipSpace(obj, pos+1)
		case '}':
			return value, ok
		default:
			return nil, false
		}
	}
	return nil, false
}

// element returns the element of arr at the decimal index tok.
func element(arr []byte, tok string) ([]byte, bool) {
	if tok == "" || len(tok) > 1 && tok[0] == '0' || strings.Trim(tok, "0123456789") != "" {
		return nil, false
	}
	index, err := strconv.Atoi(tok)
	if err != nil {
		return nil, false
	}
	pos := skipSpace(arr, 1)
	for i := 0; pos < len(arr) && arr[pos] != ']'; i++ {
		end := ValueEnd(arr, pos)
		if i == index {
			return arr[pos:end], true
		}
		pos = skipSpace(arr, end)
		if pos >= len(arr) || arr[pos] != ',' {
			return nil, false
		}
		pos = skipSpace(arr, pos+1)
	}
	return nil, false
}

// keyIs reports whether the quoted key names name, escapes decoded.
func keyIs(quoted []byte, name string) bool {
	if len(quoted) < 2 || quoted[len(quoted)-1] != '"' {
		return false
	}
	raw := quoted[1 : len(quoted)-1]
	plain := true // printable ASCII without escapes: the key is its bytes
	for _, c := range raw {
		if c < 0x20 || c >= 0x80 || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return string(raw) == name
	}
	var key string
	return json.Unmarshal(quoted, &key) == nil && key == name
}

func skipSpace(data []byte, pos int) int {
	for pos < len(data) && isSpace(data[pos]) {
		pos++
	}
	return pos
}
