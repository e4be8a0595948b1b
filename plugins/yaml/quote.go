package yaml

import (
	"iter"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// scalarText writes s as a one-line scalar: plain when every YAML reader
// takes it for this very string, single-quoted when it needs no escapes,
// double-quoted otherwise.
func scalarText(s string) string {
	switch {
	case plainOK(s):
		return s
	case !hasEscapable(s):
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return doubleQuoted(s)
}

// plainOK reports whether s can be written unquoted: it is not read as
// another type by a YAML 1.2 core or YAML 1.1 reader, and no character in
// it has a syntactic meaning where it stands.
func plainOK(s string) bool {
	if s == "" || hasEscapable(s) || readAsNonString(s) {
		return false
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return false
	}
	if strings.ContainsRune("-?:,[]{}#&*!|>'\"%@`", first) {
		return false
	}
	return !strings.Contains(s, ": ") && !strings.Contains(s, " #") && !strings.HasSuffix(s, ":")
}

// yaml11Words are plain scalars YAML 1.1 reads as bools, null, merge or
// value keys, compared in lower case to be safe.
var yaml11Words = map[string]bool{
	"y": true, "yes": true, "n": true, "no": true, "on": true, "off": true,
	"true": true, "false": true, "null": true, "~": true, "<<": true, "=": true,
}

// readAsNonString reports a plain scalar some YAML reader would not read as
// a string. Anything starting like a number is included: YAML 1.1 also
// reads 0b101, 1_000, 1:30, 0755 (as octal) and 2017-01-01 as non-strings.
func readAsNonString(s string) bool {
	switch c := s[0]; {
	case isDigit(c):
		return true
	case c == '+' || c == '-' || c == '.':
		if len(s) == 1 || isDigit(s[1]) || s[1] == '.' || s[1] == '_' {
			return true
		}
	case len(s) > len("false"):
		// Longer than every word resolvePlain and yaml11Words know, and
		// not starting like a number (a digit, a sign or a dot).
		return false
	}
	if v, err := resolvePlain(s); err != nil {
		return true
	} else if _, ok := v.(string); !ok {
		return true
	}
	return yaml11Words[strings.ToLower(s)]
}

// hasEscapable reports whether s holds a character needsEscape reports,
// looking at ASCII a byte at a time.
func hasEscapable(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf:
			return strings.ContainsFunc(s[i:], needsEscape)
		case c < 0x20 || c == 0x7f:
			return true
		}
	}
	return false
}

// needsEscape reports a character that can only appear escaped in a
// double-quoted scalar: controls (tab included, to keep it visible), line
// breaks other than in literal blocks, and non-characters.
func needsEscape(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, 0x80 <= r && r <= 0x9f:
		return true
	case r == 0x2028, r == 0x2029, r == 0xfeff, r == 0xfffe, r == 0xffff:
		return true
	}
	return false
}

// literalOK reports whether s reads back exactly from a literal block:
// it has several lines, only tabs and newlines among the escapable
// characters, no trailing blanks on any line (invisible, and lost by
// editors), and its first non-empty line does not start with a blank,
// which would need an indentation indicator.
func literalOK(s string) bool {
	if !strings.Contains(s, "\n") {
		return false
	}
	body := trimNewlines(s)
	first := strings.TrimLeft(body, "\n")
	if first == "" || first[0] == ' ' || first[0] == '\t' {
		return false
	}
	for line := range splitLines(body) {
		if strings.HasSuffix(line, " ") || strings.HasSuffix(line, "\t") {
			return false
		}
		if strings.ContainsFunc(line, func(r rune) bool { return r != '\t' && needsEscape(r) }) {
			return false
		}
	}
	return true
}

func trimNewlines(s string) string { return strings.TrimRight(s, "\n") }

func splitLines(s string) iter.Seq[string] { return strings.SplitSeq(s, "\n") }

// doubleQuoted writes s with YAML's escapes, which YAML 1.1 readers know
// too. Characters that need no escape stay literal: unicode is readable.
func doubleQuoted(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		case 0:
			b.WriteString(`\0`)
		case 0x1b:
			b.WriteString(`\e`)
		case 0x85:
			b.WriteString(`\N`)
		case 0x2028:
			b.WriteString(`\L`)
		case 0x2029:
			b.WriteString(`\P`)
		default:
			switch {
			case !needsEscape(r):
				b.WriteRune(r)
			case r <= 0xff:
				b.WriteString(`\x`)
				b.WriteString(hex(r, 2))
			default:
				b.WriteString(`\u`)
				b.WriteString(hex(r, 4))
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

func hex(r rune, width int) string {
	h := strings.ToUpper(strconv.FormatInt(int64(r), 16))
	return strings.Repeat("0", width-len(h)) + h
}
