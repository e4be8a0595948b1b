package yaml

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/resource-sync/resource-sync/sdk"
)

// parseError turns "yaml: line 3: mapping values are not allowed in this
// context" into an *sdk.Error on line 3.
//
// yaml.v3 numbers lines from 1 for the scanner's errors but from 0 for the
// parser's ("did not find expected key", which then comes without a line
// on the first line), so those are moved one line down. A position at the
// end of the stream, past a final newline, is reported on the last line.
func parseError(source string, content []byte, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if n, convErr := strconv.Atoi(num); convErr == nil {
				line, msg = n, text
			}
		}
	}
	switch {
	case isParserProblem(msg):
		line = min(line+1, lineCount(content))
	case line == 0 && isReaderProblem(msg):
		line = badCharacterLine(content)
	}
	return &sdk.Error{Source: source, Line: line, Msg: "invalid YAML: " + msg}
}

// parserProblems are the messages of yaml.v3's parser (parserc.go), as
// opposed to its scanner's: they are the ones with 0-based lines.
var parserProblems = []string{
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"did not find expected '-' indicator",
	"did not find expected <document start>",
	"did not find expected <stream-start>",
	"did not find expected key",
	"did not find expected node content",
	"found duplicate %TAG directive",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
	"found undefined tag handle",
}

func isParserProblem(msg string) bool {
	for _, p := range parserProblems {
		if msg == p {
			return true
		}
	}
	return false
}

// lineCount is the number of the last line holding anything.
func lineCount(content []byte) int {
	n := bytes.Count(content, []byte{'\n'})
	if len(content) == 0 || content[len(content)-1] != '\n' {
		n++
	}
	return n
}

// isReaderProblem reports the errors of yaml.v3's UTF-8 reader, which
// come without a line.
func isReaderProblem(msg string) bool {
	return strings.Contains(msg, "UTF-8") || strings.Contains(msg, "control characters") ||
		strings.Contains(msg, "Unicode character")
}

// badCharacterLine returns the line of the first byte sequence YAML does
// not allow in UTF-8 input, or 0.
func badCharacterLine(content []byte) int {
	if bytes.HasPrefix(content, []byte{0xff, 0xfe}) || bytes.HasPrefix(content, []byte{0xfe, 0xff}) {
		return 0 // UTF-16: offsets would not match
	}
	line := 1
	for i := 0; i < len(content); {
		r, size := utf8.DecodeRune(content[i:])
		if r == utf8.RuneError && size == 1 || !yamlPrintable(r) {
			return line
		}
		if r == '\n' {
			line++
		}
		i += size
	}
	return 0
}

// yamlPrintable is YAML's c-printable: the characters a stream may hold.
func yamlPrintable(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r', r == 0x85:
		return true
	case 0x20 <= r && r <= 0x7e, 0xa0 <= r && r <= 0xd7ff, 0xe000 <= r && r <= 0xfffd, 0x10000 <= r && r <= 0x10ffff:
		return true
	}
	return false
}
