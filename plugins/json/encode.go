package json

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/resource-sync/resource-sync/sdk"
)

// Encode writes v with its keys sorted, numbers as written and <, > and &
// left literal. StyleFile indents by two spaces for readable diffs;
// StyleStream writes one line. Both end with a newline.
func (Formatter) Encode(v sdk.Value, style sdk.Style) ([]byte, error) {
	if style != sdk.StyleFile && style != sdk.StyleStream {
		return nil, fmt.Errorf("json: unknown style %d", style)
	}
	// Checked rather than trusted: keys sorted, a single value. What the
	// host sends nearly always is canonical already, and is read once.
	canon := v.JSON
	if !sdk.IsCanonicalJSON(canon) {
		var err error
		if canon, err = sdk.CanonicalJSON(v.JSON); err != nil {
			return nil, &sdk.Error{Source: v.Source, Line: v.Line, Msg: "cannot encode invalid JSON: " + err.Error()}
		}
	}
	if style == sdk.StyleStream {
		// A new slice: canon may be the caller's.
		return append(canon[:len(canon):len(canon)], '\n'), nil
	}
	var buf bytes.Buffer
	// Indent copies strings and numbers byte for byte, so the canonical
	// text survives.
	if err := json.Indent(&buf, canon, "", "  "); err != nil {
		return nil, fmt.Errorf("json: indent: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
