package json

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/resource-sync/resource-sync/internal/jsonscan"
	"github.com/resource-sync/resource-sync/sdk"
)

// utf8BOM is tolerated at the start of a document: editors on Windows add it.
var utf8BOM = []byte("\xef\xbb\xbf")

// Decode returns one value per JSON value in doc: a single value, each
// element of a top-level array, or each value of a JSON Lines or
// concatenated stream. A document with no value at all is an error. Top-level arrays inside a stream are expanded too,
// so a collection saved as an array and the same collection saved as JSON
// Lines decode alike. Values that are not objects are returned as they are:
// rejecting them is the schema's job.
func (Formatter) Decode(doc sdk.Document) ([]sdk.Value, error) {
	data := bytes.TrimPrefix(doc.Content, utf8BOM)
	d := decoder{doc: doc, data: data, lines: lineCounter{data: data}}
	if skipSpace(data, 0) == len(data) {
		// Most likely a file truncated or not written yet: reading it as
		// "no resources" would let --rm remove what it used to hold.
		return nil, &sdk.Error{Source: doc.Source, Line: 1, Msg: "invalid JSON: the document is empty (an empty list is [])"}
	}
	for pos := skipSpace(data, 0); pos < len(data); pos = skipSpace(data, pos) {
		end := jsonscan.ValueEnd(data, pos)
		raw := data[pos:end]
		// Canonicalizing validates: encoding/json checks the value
		// again only when that fails, for its words and the line of the
		// offending byte.
		var err error
		if raw[0] == '[' {
			err = d.addElements(pos, end)
		} else {
			err = d.add(pos, end)
		}
		if err != nil || d.longElement {
			if !json.Valid(raw) {
				return nil, d.syntaxError(pos, raw)
			}
			return nil, err
		}
		pos = end
	}
	return d.values, nil
}

// decoder collects the values of one document.
type decoder struct {
	doc    sdk.Document
	data   []byte
	lines  lineCounter
	values []sdk.Value
	// longElement is set by an array element that could be nested as
	// deep as encoding/json allows: the array around it, one level
	// deeper, may not be valid although the element is.
	longElement bool
}

// maxNesting is encoding/json's limit on nesting, which it counts in
// brackets and braces: a value nested that deep has at least as many
// bytes.
const maxNesting = 10000

// add appends the valid JSON value data[start:end]. A key twice in one
// object and invalid UTF-8 are refused, as the YAML formatter refuses
// them, rather than resolved silently (last value wins, U+FFFD).
func (d *decoder) add(start, end int) error {
	canon, err := sdk.CanonicalJSONStrict(d.data[start:end])
	var jerr *sdk.JSONError
	if errors.As(err, &jerr) {
		return d.errorAt(start+jerr.Offset, "invalid JSON: "+jerr.Msg)
	}
	if err != nil {
		return d.errorAt(start, "invalid JSON: "+err.Error())
	}
	d.values = append(d.values, sdk.Value{
		JSON:     canon,
		Source:   d.doc.Source,
		Line:     d.lines.at(start),
		URI:      d.doc.URI,
		TypeHint: d.doc.TypeHint,
		Location: d.doc.Location,
	})
	return nil
}

// addElements appends each element of the JSON array data[start:end],
// each with the line it starts on. It fails on the first element that is
// not valid, or on anything else than commas between them and one
// closing bracket at end.
func (d *decoder) addElements(start, end int) error {
	pos := skipSpace(d.data, start+1)
	if pos < end && d.data[pos] == ']' {
		return d.arrayEnd(pos, end)
	}
	for pos < end {
		elemEnd := jsonscan.ValueEnd(d.data, pos)
		if elemEnd > end {
			break
		}
		d.longElement = d.longElement || elemEnd-pos >= maxNesting
		if err := d.add(pos, elemEnd); err != nil {
			return err
		}
		pos = skipSpace(d.data, elemEnd)
		if pos < end && d.data[pos] == ']' {
			return d.arrayEnd(pos, end)
		}
		if pos >= end || d.data[pos] != ',' {
			break
		}
		pos = skipSpace(d.data, pos+1)
	}
	return d.errorAt(min(pos, end-1), "invalid JSON: malformed array")
}

// arrayEnd checks that the bracket at pos closes the array ending at end.
func (d *decoder) arrayEnd(pos, end int) error {
	if pos != end-1 {
		return d.errorAt(pos, "invalid JSON: malformed array")
	}
	return nil
}

// syntaxError reports why raw, which starts at start, is not valid JSON,
// on the line of the offending byte.
func (d *decoder) syntaxError(start int, raw []byte) error {
	err := json.Unmarshal(raw, new(json.RawMessage))
	var syntax *json.SyntaxError
	if !errors.As(err, &syntax) {
		if err == nil {
			err = errors.New("malformed value")
		}
		return d.errorAt(start, "invalid JSON: "+err.Error())
	}
	off := start + int(syntax.Offset-syntaxOffsetBias)
	off = max(start, min(off, start+len(raw)-1))
	return d.errorAt(off, "invalid JSON: "+syntax.Error())
}

// syntaxOffsetBias is how far past the offending byte a SyntaxError's
// Offset points: 1 with encoding/json's classic decoder, which counts the
// bytes read, and 0 under GOEXPERIMENT=jsonv2.
var syntaxOffsetBias = func() int64 {
	var syntax *json.SyntaxError
	if errors.As(json.Unmarshal([]byte("x"), new(json.RawMessage)), &syntax) {
		return syntax.Offset
	}
	return 1
}()

func (d *decoder) errorAt(off int, msg string) error {
	return &sdk.Error{Source: d.doc.Source, Line: d.lines.at(off), Msg: msg}
}

// lineCounter turns byte offsets into 1-based line numbers, counting only
// the bytes between successive calls.
type lineCounter struct {
	data []byte
	off  int
	line int
}

func (c *lineCounter) at(off int) int {
	if off < c.off || c.line == 0 {
		c.off, c.line = 0, 1
	}
	c.line += bytes.Count(c.data[c.off:off], []byte{'\n'})
	c.off = off
	return c.line
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

func skipSpace(data []byte, pos int) int {
	for pos < len(data) && isSpace(data[pos]) {
		pos++
	}
	return pos
}
