package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/resource-sync/resource-sync/sdk"
)

// utf8BOM is tolerated at the start of a document: editors on Windows add it.
var utf8BOM = []byte("\xef\xbb\xbf")

// Decode returns the document's table as one value. go-toml first checks
// the whole document against the TOML spec (duplicate keys, redefined
// tables, integers beyond 64 bits) and says where it is wrong; the value
// is then built from go-toml's syntax tree, which keeps every number's
// text, so nothing goes through float64.
func (Formatter) Decode(doc sdk.Document) ([]sdk.Value, error) {
	data := bytes.TrimPrefix(doc.Content, utf8BOM)
	var check map[string]any
	if err := toml.Unmarshal(data, &check); err != nil {
		return nil, decodeError(doc, err)
	}
	d := decoder{doc: doc}
	root, err := d.document(data)
	if err != nil {
		return nil, err
	}
	canon, err := sdk.MarshalCanonical(root)
	if err != nil {
		return nil, &sdk.Error{Source: doc.Source, Msg: "cannot convert to JSON: " + err.Error()}
	}
	return []sdk.Value{{
		JSON:     canon,
		Source:   doc.Source,
		Line:     1,
		URI:      doc.URI,
		TypeHint: doc.TypeHint,
		Location: doc.Location,
	}}, nil
}

// decodeError turns go-toml's error into one for the user, on its line.
func decodeError(doc sdk.Document, err error) error {
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, _ := de.Position()
		return &sdk.Error{Source: doc.Source, Line: line, Msg: "invalid TOML: " + strings.TrimPrefix(de.Error(), "toml: ")}
	}
	return &sdk.Error{Source: doc.Source, Msg: "invalid TOML: " + strings.TrimPrefix(err.Error(), "toml: ")}
}

// decoder builds maps, slices, strings, bools and json.Numbers from one
// document the spec check has accepted.
type decoder struct {
	doc sdk.Document
	p   unstable.Parser
}

func (d *decoder) document(data []byte) (map[string]any, error) {
	d.p.Reset(data)
	root := map[string]any{}
	current := root
	for d.p.NextExpression() {
		expr := d.p.Expression()
		switch expr.Kind {
		case unstable.Table:
			current = tableAt(root, keyParts(expr.Key()))
		case unstable.ArrayTable:
			current = appendTable(root, keyParts(expr.Key()))
		case unstable.KeyValue:
			if err := d.keyValue(current, expr); err != nil {
				return nil, err
			}
		}
	}
	if err := d.p.Error(); err != nil {
		return nil, &sdk.Error{Source: d.doc.Source, Msg: "invalid TOML: " + err.Error()}
	}
	return root, nil
}

// keyValue sets a possibly dotted key ("a.b = 1") in table t.
func (d *decoder) keyValue(t map[string]any, kv *unstable.Node) error {
	v, err := d.value(kv.Value())
	if err != nil {
		return err
	}
	parts := keyParts(kv.Key())
	tableAt(t, parts[:len(parts)-1])[parts[len(parts)-1]] = v
	return nil
}

func (d *decoder) value(n *unstable.Node) (any, error) {
	switch n.Kind {
	case unstable.String:
		return string(n.Data), nil
	case unstable.Bool:
		return string(n.Data) == "true", nil
	case unstable.Integer:
		return d.integer(n)
	case unstable.Float:
		return d.float(n)
	case unstable.LocalDate, unstable.LocalTime, unstable.LocalDateTime, unstable.DateTime:
		return string(n.Data), nil
	case unstable.Array:
		list := []any{}
		for it := n.Children(); it.Next(); {
			v, err := d.value(it.Node())
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case unstable.InlineTable:
		t := map[string]any{}
		for it := n.Children(); it.Next(); {
			if err := d.keyValue(t, it.Node()); err != nil {
				return nil, err
			}
		}
		return t, nil
	}
	return nil, d.errorAt(n, fmt.Sprintf("unexpected %s", n.Kind))
}

// radixes are TOML's integer prefixes other than decimal.
var radixes = []struct {
	prefix string
	base   int
}{{"0x", 16}, {"0o", 8}, {"0b", 2}}

// integer is n's exact decimal text: "+1_000" is 1000, "0xff" is 255.
func (d *decoder) integer(n *unstable.Node) (any, error) {
	text := strings.TrimPrefix(strings.ReplaceAll(string(n.Data), "_", ""), "+")
	for _, radix := range radixes {
		if digits, ok := strings.CutPrefix(text, radix.prefix); ok {
			i, err := strconv.ParseInt(digits, radix.base, 64)
			if err != nil {
				return nil, d.errorAt(n, fmt.Sprintf("integer %s does not fit in 64 bits", n.Data))
			}
			return json.Number(strconv.FormatInt(i, 10)), nil
		}
	}
	return json.Number(text), nil
}

// float is n's text as a JSON number; inf and nan have none.
func (d *decoder) float(n *unstable.Node) (any, error) {
	text := strings.TrimPrefix(strings.ReplaceAll(string(n.Data), "_", ""), "+")
	if strings.Contains(text, "inf") || strings.Contains(text, "nan") {
		return nil, d.errorAt(n, fmt.Sprintf("%s has no JSON equivalent", n.Data))
	}
	return json.Number(text), nil
}

func (d *decoder) errorAt(n *unstable.Node, msg string) error {
	return &sdk.Error{Source: d.doc.Source, Line: d.p.Shape(n.Raw).Start.Line, Msg: msg}
}

// keyParts are the parts of a dotted key, unquoted.
func keyParts(it unstable.Iterator) []string {
	var parts []string
	for it.Next() {
		parts = append(parts, string(it.Node().Data))
	}
	return parts
}

// tableAt walks from t down the keys, creating tables as needed; a key
// holding an array of tables leads into its last table, as TOML says.
func tableAt(t map[string]any, keys []string) map[string]any {
	for _, k := range keys {
		switch v := t[k].(type) {
		case map[string]any:
			t = v
			continue
		case []any:
			// The spec check leaves only arrays of tables here: a static
			// array cannot be extended.
			if last, ok := lastTable(v); ok {
				t = last
				continue
			}
		}
		next := map[string]any{}
		t[k] = next
		t = next
	}
	return t
}

func lastTable(list []any) (map[string]any, bool) {
	if len(list) == 0 {
		return nil, false
	}
	t, ok := list[len(list)-1].(map[string]any)
	return t, ok
}

// appendTable adds a table to the array of tables at keys ([[a.b]]).
func appendTable(root map[string]any, keys []string) map[string]any {
	parent := tableAt(root, keys[:len(keys)-1])
	last := keys[len(keys)-1]
	list, _ := parent[last].([]any)
	t := map[string]any{}
	parent[last] = append(list, t)
	return t
}
