package adapter

import (
	"fmt"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/resource-sync/resource-sync/plugins/internal/schemautil"
	"github.com/resource-sync/resource-sync/sdk"
	"github.com/resource-sync/resource-sync/sdk/schemakit"
)

// Schema options, which the adapter endpoint recommends with the schema:
// the adapter file, and the base URL resources' uris are built on.
const (
	OptionFile = "adapter"
	OptionBase = "base"
)

// Schema classifies the items of an adapter's API, and files holding
// them: the type is the collection (the API's, or the type directory of
// a tree), the id is the collection's id field, the uri the item URL,
// and each reference names a parent.
type Schema struct {
	files *fileCache
}

var _ sdk.SchemaWithOptions = (*Schema)(nil)

// NewSchema returns the adapter schema.
func NewSchema() *Schema { return &Schema{files: &fileCache{}} }

// Classify without options cannot know the adapter.
func (s *Schema) Classify(v sdk.Value, mode sdk.Follow) (sdk.Classified, error) {
	return s.ClassifyWithOptions(v, mode, nil)
}

// ClassifyWithOptions classifies v with the adapter file the options
// name.
func (s *Schema) ClassifyWithOptions(v sdk.Value, _ sdk.Follow, options map[string]string) (sdk.Classified, error) {
	path := options[OptionFile]
	if path == "" {
		return sdk.Classified{}, schemautil.InputError(v, fmt.Errorf("the adapter schema classifies documents only in a sync with an adapter endpoint (adapter:FILE), which names the adapter file"))
	}
	f, err := s.files.load(path)
	if err != nil {
		return sdk.Classified{}, err
	}
	var base *url.URL
	if b := options[OptionBase]; b != "" {
		if base, err = url.Parse(b); err != nil {
			return sdk.Classified{}, fmt.Errorf("schema option base %q: %v", b, err)
		}
	}
	r, err := f.classify(v, base)
	if err != nil {
		return sdk.Classified{}, schemautil.InputError(v, err)
	}
	return sdk.Classified{Resources: []sdk.Resource{r}}, nil
}

// classify makes v, one item, a resource.
func (f *File) classify(v sdk.Value, base *url.URL) (sdk.Resource, error) {
	doc, err := schemautil.Decode(v)
	if err != nil {
		return sdk.Resource{}, err
	}
	if v.TypeHint == "" {
		return sdk.Resource{}, fmt.Errorf("cannot tell which collection of %s this document belongs to: adapter resources live in an adapter endpoint, a directory tree (COLLECTION/ID.yaml) or a snapshot", f.Path)
	}
	c, ok := f.Collection(v.TypeHint)
	if !ok {
		return sdk.Resource{}, fmt.Errorf("%s has no collection %s (it has %s)", f.Path, v.TypeHint, joinNames(f.CollectionNames()))
	}
	id, err := c.itemID(doc)
	if err != nil {
		return sdk.Resource{}, err
	}
	return schemautil.NewResource(v, id, c.Name, c.itemURL(base, id), f.parents(c, base, doc), doc)
}

// parents are the uris of the items doc references, in reference order.
// With parents given as (type, id) references, this is the one place to
// change: each value found is the id of an item of r.Target.
func (f *File) parents(c *Collection, base *url.URL, doc map[string]any) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range c.References {
		target, ok := f.Collection(r.Target)
		if !ok {
			continue
		}
		for _, v := range r.Path.values(doc) {
			id, ok := scalarString(v)
			if !ok || id == "" {
				continue
			}
			if u := target.itemURL(base, id); !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
		}
	}
	return out
}

// itemID is the item's id: its id field, a string or a number.
func (c *Collection) itemID(doc map[string]any) (string, error) {
	vals := c.ID.values(doc)
	if len(vals) == 0 || vals[0] == nil {
		return "", fmt.Errorf("%s item has no id field %s", c.Name, c.ID.text)
	}
	id, ok := scalarString(vals[0])
	if !ok {
		return "", fmt.Errorf("%s item's id field %s holds %s, not a string or a number", c.Name, c.ID.text, schemakit.Kind(vals[0]))
	}
	if id == "" {
		return "", fmt.Errorf("%s item's id field %s is empty", c.Name, c.ID.text)
	}
	return id, nil
}

// itemURL is where item id lives: below base, or the bare path when
// there is no base.
func (c *Collection) itemURL(base *url.URL, id string) string {
	path := c.Item.expand(c.Name, id)
	if base == nil {
		return path
	}
	u, err := resolve(base, path)
	if err != nil {
		return path
	}
	return u.String()
}

// fileCache keeps parsed adapter files while they are unchanged: the
// schema is asked once per batch of values.
type fileCache struct {
	mu    sync.Mutex
	files map[string]cachedFile
}

type cachedFile struct {
	size  int64
	mtime time.Time
	file  *File
}

func (c *fileCache) load(path string) (*File, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, &sdk.Error{Source: path, Msg: "cannot read the adapter file: " + err.Error()}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cf, ok := c.files[path]; ok && cf.size == info.Size() && cf.mtime.Equal(info.ModTime()) {
		return cf.file, nil
	}
	f, err := Load(path)
	if err != nil {
		return nil, userError(err)
	}
	if c.files == nil {
		c.files = map[string]cachedFile{}
	}
	c.files[path] = cachedFile{size: info.Size(), mtime: info.ModTime(), file: f}
	return f, nil
}

// userError makes an adapter file's problems an *sdk.Error, which the
// user sees with its file and line.
func userError(err error) error {
	switch e := err.(type) {
	case *Error:
		return &sdk.Error{Source: e.Path, Line: e.Line, Msg: e.Msg}
	case Errors:
		if len(e) == 1 {
			return userError(e[0])
		}
		return &sdk.Error{Source: e[0].Path, Line: e[0].Line, Msg: fmt.Sprintf("%s\n%s", e[0].Msg, Errors(e[1:]).Error())}
	}
	return err
}

func joinNames(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	out := names[0]
	for _, n := range names[1:] {
		out += ", " + n
	}
	return out
}
