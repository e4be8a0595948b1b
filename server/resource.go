package server

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// resource is one served resource. Entries are never modified once in the
// index, only replaced, so readers may keep one after unlocking.
type resource struct {
	target
	// file is the slash-separated path of its file relative to the
	// served directory.
	file string
	// json is the resource as canonical JSON, as stored.
	json []byte
	// etag is the strong ETag of json.
	etag string
	// served is the resource as render makes it, cut where the server's
	// base URL goes, so serving is a join rather than a parse. It is nil
	// for the odd resource whose data contains the cut mark.
	served [][]byte
}

// baseMark stands for the base URL in resource.served. It holds NUL
// bytes, which JSON escapes, so it is found in the output as
// escapedBaseMark.
const baseMark = "\x00base\x00"

var escapedBaseMark = []byte(`\u0000base\u0000`)

func newResource(t target, file string, canon []byte) (*resource, error) {
	res := &resource{target: t, file: file, json: canon, etag: etagOf(canon)}
	if bytes.Contains(canon, escapedBaseMark) {
		return res, nil
	}
	rendered, err := render(res, baseMark)
	if err != nil {
		return nil, err
	}
	res.served = bytes.Split(rendered, escapedBaseMark)
	return res, nil
}

// appendServed appends the resource as served at base to dst.
func (res *resource) appendServed(dst []byte, base string) ([]byte, error) {
	if res.served == nil {
		rendered, err := render(res, base)
		return append(dst, rendered...), err
	}
	for i, part := range res.served {
		if i > 0 {
			dst = append(dst, base...)
		}
		dst = append(dst, part...)
	}
	return dst, nil
}

// idOf returns the resource's own id field as text, when it has one.
func idOf(doc map[string]any) (id string, ok bool, err error) {
	switch v := doc["id"].(type) {
	case nil:
		return "", false, nil
	case string:
		return v, true, nil
	case json.Number:
		return v.String(), true, nil
	default:
		return "", false, fmt.Errorf("id must be a string or a number, not %T", v)
	}
}

// selfHref returns the href of the resource's _links.self, if any. It also
// checks the _links shape that serving relies on.
func selfHref(doc map[string]any) (href string, ok bool, err error) {
	raw, present := doc["_links"]
	if !present {
		return "", false, nil
	}
	links, isObj := raw.(map[string]any)
	if !isObj {
		return "", false, fmt.Errorf("_links must be an object")
	}
	rawSelf, present := links["self"]
	if !present {
		return "", false, nil
	}
	self, isObj := rawSelf.(map[string]any)
	if !isObj {
		return "", false, fmt.Errorf("_links.self must be one link object")
	}
	href, isStr := self["href"].(string)
	if !isStr {
		return "", false, fmt.Errorf("_links.self has no string href")
	}
	return href, true, nil
}

// prepareForPut checks a request body against the path it is stored at and
// makes its self link name that path. The resource lives where it was
// PUT: a self href naming another path (an origin with another path
// prefix) is replaced by the path-only href.
func prepareForPut(doc map[string]any, t target) error {
	if id, ok, err := idOf(doc); err != nil {
		return err
	} else if ok && id != t.id {
		return fmt.Errorf("body id %q does not match the id %q in the path %s", id, t.id, t.path)
	}
	href, ok, err := selfHref(doc)
	if err != nil {
		return err
	}
	if ok {
		if segs, err := hrefPath(href); err == nil && joinPath(segs) == t.path {
			return nil // same resource; the host part never matters
		}
	}
	links, _ := doc["_links"].(map[string]any)
	if links == nil {
		links = map[string]any{}
		doc["_links"] = links
	}
	self, _ := links["self"].(map[string]any)
	if self == nil {
		self = map[string]any{}
		links["self"] = self
	}
	self["href"] = t.path
	return nil
}
