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
	// Re-canonicalise rather than trust the caller: it costs one parse and
	// guarantees sorted keys and a single value.
	canon, err := sdk.CanonicalJSON(v.JSON)
	if err != nil {
		return nil, &sdk.Error{Source: v.Source, Line: v.Line, Msg: "cannot encode invalid JSON: " + err.Error()}
	}
	if style == sdk.StyleStream {
		return append(canon, '\n'), nil
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
