package simple

import (
	"net/url"
	"strings"

	"github.com/resource-sync/resource-sync/sdk/schemakit"
)

// fetched is what the uri a value was fetched from says about a resource
// that carries only an id, as json-server's do: GET /posts/1 answers the
// post 1 itself, GET /posts answers items of the collection posts.
type fetched struct {
	collection string // the resource's type
	uri        string // the resource's uri
	itself     bool   // the fetch uri was the resource's own uri
}

// fromFetchURI reads fetchURI for the resource id. The query is dropped:
// "/posts?_page=2" lists resources whose uris are "/posts/<id>".
func fromFetchURI(fetchURI, id string) fetched {
	segs := schemakit.Segments(fetchURI)
	u, err := url.Parse(fetchURI)
	if err != nil || len(segs) == 0 {
		return fetched{}
	}
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
	last := segs[len(segs)-1]
	if last == id {
		f := fetched{uri: u.String(), itself: true}
		if len(segs) >= 2 {
			f.collection = segs[len(segs)-2]
		}
		return f
	}
	return fetched{
		collection: last,
		uri:        strings.TrimRight(u.String(), "/") + "/" + url.PathEscape(id),
	}
}
