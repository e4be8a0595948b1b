package yaml

import (
	"fmt"

	"github.com/resource-sync/resource-sync/sdk"
	"go.yaml.in/yaml/v3"
)

// minNodeBudget is how many nodes a stream may expand to whatever its
// size; each byte adds two more. Without aliases a stream has at most
// about one node per byte, so the budget only ever stops alias expansion
// ("billion laughs") and keeps memory linear in the input.
const minNodeBudget = 100_000

// converter turns yaml.v3 node trees into the values sdk.MarshalCanonical
// writes: maps, slices, strings, json.Number, bool and nil. It walks nodes
// itself because decoding into interface{} loses big integers and turns
// dates into time.Time.
type converter struct {
	source string
	// budget is how many more nodes may be converted, shared by every
	// document of one stream.
	budget, limit int
	// expanding holds the anchored nodes being expanded through an alias,
	// to reject an alias inside its own anchor.
	expanding map[*yaml.Node]bool
}

func newConverter(source string, size int) *converter {
	limit := minNodeBudget + 2*size
	return &converter{source: source, budget: limit, limit: limit, expanding: map[*yaml.Node]bool{}}
}

func (c *converter) errorf(n *yaml.Node, format string, args ...any) error {
	return &sdk.Error{Source: c.source, Line: n.Line, Msg: fmt.Sprintf(format, args...)}
}

func (c *converter) value(n *yaml.Node) (any, error) {
	c.budget--
	if c.budget < 0 {
		return nil, c.errorf(n, "aliases expand to more than %d nodes", c.limit)
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return c.scalar(n)
	case yaml.MappingNode:
		return c.mapping(n)
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for _, item := range n.Content {
			v, err := c.value(item)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case yaml.AliasNode:
		target, done, err := c.enter(n)
		if err != nil {
			return nil, err
		}
		defer done()
		return c.value(target)
	}
	return nil, c.errorf(n, "unexpected YAML node kind %v", n.Kind)
}

// enter starts expanding alias n; call done when finished.
func (c *converter) enter(n *yaml.Node) (target *yaml.Node, done func(), err error) {
	target = n.Alias
	if target == nil {
		return nil, nil, c.errorf(n, "unknown anchor %q", n.Value)
	}
	if c.expanding[target] {
		return nil, nil, c.errorf(n, "alias *%s is inside its own anchor", n.Value)
	}
	c.expanding[target] = true
	return target, func() { delete(c.expanding, target) }, nil
}

func (c *converter) scalar(n *yaml.Node) (any, error) {
	if n.Style&yaml.TaggedStyle != 0 {
		v, handled, err := resolveTagged(n.Tag, n.Value)
		if err != nil {
			return nil, c.errorf(n, "%v", err)
		}
		if handled {
			return v, nil
		}
	}
	if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Value, nil
	}
	v, err := resolvePlain(n.Value)
	if err != nil {
		return nil, c.errorf(n, "%v", err)
	}
	return v, nil
}

// mapping converts a mapping. Keys are their scalar's text (JSON keys are
// strings); the same text twice is an error rather than a silent loss.
// Merge keys (<<) fill in the keys the mapping does not set itself.
func (c *converter) mapping(n *yaml.Node) (map[string]any, error) {
	m := make(map[string]any, len(n.Content)/2)
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			merges = append(merges, v)
			continue
		}
		key, err := c.key(k)
		if err != nil {
			return nil, err
		}
		if _, dup := m[key]; dup {
			return nil, c.errorf(k, "duplicate key %q", key)
		}
		if m[key], err = c.value(v); err != nil {
			return nil, err
		}
	}
	for _, src := range merges {
		if err := c.merge(m, src); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (c *converter) key(k *yaml.Node) (string, error) {
	n := k
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.ScalarNode {
		return "", c.errorf(k, "a mapping key must be a scalar, not a %s", kindName(n.Kind))
	}
	return n.Value, nil
}

// merge adds the keys of src, a mapping or a list of mappings, that m does
// not have yet; earlier mappings in a list win over later ones.
func (c *converter) merge(m map[string]any, src *yaml.Node) error {
	target := src
	if src.Kind == yaml.AliasNode {
		var done func()
		var err error
		if target, done, err = c.enter(src); err != nil {
			return err
		}
		defer done()
	}
	sources := []*yaml.Node{target}
	if target.Kind == yaml.SequenceNode {
		sources = target.Content
	}
	for _, s := range sources {
		v, err := c.value(s)
		if err != nil {
			return err
		}
		from, ok := v.(map[string]any)
		if !ok {
			return c.errorf(s, "a merge key << needs a mapping or a list of mappings")
		}
		for k, v := range from {
			if _, ok := m[k]; !ok {
				m[k] = v
			}
		}
	}
	return nil
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	case yaml.ScalarNode:
		return "scalar"
	}
	return "node"
}
