// Package jsonscan finds the boundaries of JSON values in bytes without
// decoding them: the json formatter splits a stream of documents with it,
// and the hal schema reads fields of canonical objects. Validation is left
// to encoding/json.
package jsonscan

import "bytes"

// ValueEnd returns where the value starting at data[pos] ends. It only
// finds the boundary (strings, bracket depth, literal runs); validation is
// left to encoding/json. It always advances at least one byte, so a stray
// delimiter becomes a value of its own that fails validation.
func ValueEnd(data []byte, pos int) int {
	switch data[pos] {
	case '"':
		return StringEnd(data, pos)
	case '{', '[':
		depth := 0
		for i := pos; i < len(data); i++ {
			switch data[i] {
			case '"':
				i = StringEnd(data, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(data)
	}
	i := pos
	for i < len(data) && !isDelimiter(data[i]) {
		i++
	}
	return max(i, pos+1)
}

// StringEnd returns the offset just after the string starting at
// data[pos], or len(data) when it is not terminated.
func StringEnd(data []byte, pos int) int {
	end, _ := Terminated(data, pos)
	return end
}

// Terminated returns the offset just after the string starting at
// data[pos], and whether it is terminated (else end is len(data)). It
// jumps from quote to quote (bytes.IndexByte is vectorised): a quote ends
// the string unless an odd run of backslashes escapes it.
func Terminated(data []byte, pos int) (end int, ok bool) {
	for i := pos + 1; ; i++ {
		q := bytes.IndexByte(data[i:], '"')
		if q < 0 {
			return len(data), false
		}
		i += q
		escaped := false
		for j := i - 1; j > pos && data[j] == '\\'; j-- {
			escaped = !escaped
		}
		if !escaped {
			return i + 1, true
		}
	}
}

func isDelimiter(c byte) bool {
	switch c {
	case '{', '}', '[', ']', ',', ':', '"':
		return true
	}
	return isSpace(c)
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}
