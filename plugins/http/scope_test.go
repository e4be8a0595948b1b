package http

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
)

// naiveCollections groups scope as collections does, working out every
// resource's collection on its own.
func naiveCollections(dest *url.URL, scope []sdk.Resource) []string {
	var order []string
	targets := map[string][]string{}
	for _, r := range scope {
		t, err := target(dest, r.URI, r.Type, r.ID)
		if err != nil {
			continue
		}
		c := collection(t)
		k := pageKey(c)
		if _, ok := targets[k]; !ok {
			order = append(order, k+" "+c.String())
		}
		targets[k] = append(targets[k], t.String())
	}
	for i, o := range order {
		k, _, _ := strings.Cut(o, " ")
		order[i] += " " + strings.Join(targets[k], " ")
	}
	return order
}

// describeCollections is collections' answer in naiveCollections' form.
func describeCollections(e *Endpoint, scope []sdk.Resource) []string {
	var out []string
	for _, c := range e.collections(scope) {
		var ts []string
		for _, t := range c.targets(e.location) {
			ts = append(ts, t.String())
		}
		out = append(out, c.key+" "+c.url.String()+" "+strings.Join(ts, " "))
	}
	return out
}

func uriResources(uris ...string) []sdk.Resource {
	rs := make([]sdk.Resource, len(uris))
	for i, u := range uris {
		rs[i] = sdk.Resource{Type: "order", ID: fmt.Sprint(i), URI: u}
	}
	return rs
}

// TestCollectionsShortcut: grouping a scope with the shortcut gives the
// collections, in the same order, and the same targets, as working out
// each resource's collection alone, whatever the order of the scope:
// with dot segments, queries, escapes, other hosts, uris outside the
// destination's path, and destinations whose path ends inside a uri's
// last segment.
func TestCollectionsShortcut(t *testing.T) {
	scope := uriResources(
		"http://h/api/order/1", "http://h/api/order/2", "/api/order/3", "order/4", "api/order/4b",
		"http://h/api/x/../order/5", "http://h/api/order/./6", "http://h/api/order/x/..", "http://h/api/order/.",
		"http://h/api/order/", "http://h/api/order/7?x=1", "http://h/api/order/8#f",
		"http://h/api/%6Frder/9", "http://h/api/order/a%2Fb", "http://h/api/order/é", "http://h/api/order/a b",
		"http://h/api/order/%zz", "http://other/api/order/10", "http://H/api/order/11", "http://h:80/api/order/12",
		"http://h/api/order", "http://h/api/other", "http://h/api", "http://h/x", "http://h/", "/", "x",
		"http://h/api/order/1/items/2", "http://h/api/order/1/items/3",
		"http://h/api/%6Frder/a b", "http://h/x/1/../1", "http://h/x/1/../2",
	)
	scope = append(scope,
		sdk.Resource{Type: "order", ID: "20"}, sdk.Resource{Type: "order", ID: "."}, sdk.Resource{Type: "order", ID: ""},
		sdk.Resource{Type: "..", ID: "1"}, sdk.Resource{Type: "a/b", ID: "1"}, sdk.Resource{Type: "order", ID: "a/b"},
		sdk.Resource{Type: "", ID: "1"})
	rng := rand.New(rand.NewPCG(1, 2))
	for _, loc := range []string{"http://h/", "http://h/api/", "http://h/api/order/", "http://h/api/order/1/", "http://h/api/or", "http://h/x/1/"} {
		e := openTest(t, loc)
		for round := range 20 {
			s := slices.Clone(scope)
			switch round {
			case 0:
			case 1:
				slices.Reverse(s)
			default:
				rng.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
			}
			want := naiveCollections(e.location, s)
			if got := describeCollections(e.Endpoint, s); !slices.Equal(got, want) {
				t.Fatalf("%s, round %d:\n got %q\nwant %q", loc, round, got, want)
			}
		}
	}
}

// FuzzCollections checks the shortcut against working out each resource
// alone, on three uris in both orders.
func FuzzCollections(f *testing.F) {
	f.Add("http://h/api/", "http://h/api/order/1", "http://h/api/order/2", "http://h/api/order/../3")
	f.Add("http://h/api/order/", "http://h/api/order", "http://h/api/other", "/api/order/x")
	f.Add("http://h/", "order/1", "/order/2", "http://h/order/%41")
	f.Fuzz(func(t *testing.T, loc, a, b, c string) {
		e, _, err := tryOpen(loc)
		if err != nil {
			return
		}
		defer e.Close()
		for _, s := range [][]sdk.Resource{uriResources(a, b, c), uriResources(c, b, a)} {
			want := naiveCollections(e.location, s)
			if got := describeCollections(e, s); !slices.Equal(got, want) {
				t.Fatalf("%s %q:\n got %q\nwant %q", loc, []string{s[0].URI, s[1].URI, s[2].URI}, got, want)
			}
		}
	})
}
