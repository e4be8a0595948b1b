package schemakit

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/resource-sync/resource-sync/sdk"
)

func doc(t *testing.T, js string) Doc {
	t.Helper()
	x, err := sdk.UnmarshalJSON([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return Doc{Fields: x.(map[string]any), Path: "x"}
}

func TestText(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		doc    string
		id     string
		hasID  bool
		errMsg string
	}{
		"string":      {doc: `{"id": "o1"}`, id: "o1", hasID: true},
		"unicode":     {doc: `{"id": " é \"世\" "}`, id: ` é "世" `, hasID: true},
		"big integer": {doc: `{"id": 123456789012345678901234567890}`, id: "123456789012345678901234567890", hasID: true},
		"exponent":    {doc: `{"id": 1E+2}`, id: "1E+2", hasID: true},
		"missing":     {doc: `{"ID": 1}`},
		"null":        {doc: `{"id": null}`},
		"empty":       {doc: `{"id": ""}`, errMsg: "x.id is an empty string"},
		"boolean":     {doc: `{"id": false}`, errMsg: "x.id is a boolean, want a string or a number"},
		"mapping":     {doc: `{"id": {}}`, errMsg: "x.id is a mapping, want a string or a number"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			id, hasID, err := IDField("id")(doc(t, tc.doc))
			if id != tc.id || hasID != tc.hasID || errText(err) != tc.errMsg {
				t.Errorf("IDField(%s) = %q, %v, %q; want %q, %v, %q", tc.doc, id, hasID, errText(err), tc.id, tc.hasID, tc.errMsg)
			}
		})
	}
}

func TestKind(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		x    any
		want string
	}{
		{map[string]any{}, "a mapping"},
		{[]any{}, "a list"},
		{"", "a string"},
		{json.Number("1"), "a number"},
		{true, "a boolean"},
		{nil, "null"},
		{3.5, "a float64"},
	} {
		if got := Kind(tc.x); got != tc.want {
			t.Errorf("Kind(%#v) = %q, want %q", tc.x, got, tc.want)
		}
	}
}

func TestFieldAccessors(t *testing.T) {
	t.Parallel()
	d := doc(t, `{"s": "v", "n": null, "l": ["a"], "m": {"k": 1}, "num": 2, "docs": [{"a": 1}, {"b": 2}], "bad": [{"a": 1}, 3]}`)
	if s, err := d.String("s"); s != "v" || err != nil {
		t.Errorf("String(s) = %q, %v", s, err)
	}
	for _, key := range []string{"n", "absent"} {
		if s, err := d.String(key); s != "" || err != nil {
			t.Errorf("String(%s) = %q, %v; want empty", key, s, err)
		}
		if l, ok, err := d.List(key); l != nil || ok || err != nil {
			t.Errorf("List(%s) = %v, %v, %v; want nothing", key, l, ok, err)
		}
		if m, ok, err := d.Mapping(key); m != nil || ok || err != nil {
			t.Errorf("Mapping(%s) = %v, %v, %v; want nothing", key, m, ok, err)
		}
	}
	if _, err := d.String("num"); errText(err) != "x.num is a number, want a string" {
		t.Errorf("String(num) error = %v", err)
	}
	if _, _, err := d.List("s"); errText(err) != "x.s is a string, want a list" {
		t.Errorf("List(s) error = %v", err)
	}
	if _, _, err := d.Mapping("l"); errText(err) != "x.l is a list, want a mapping" {
		t.Errorf("Mapping(l) error = %v", err)
	}
	docs, ok, err := d.Docs("docs")
	if !ok || err != nil || len(docs) != 2 || docs[1].Path != "x.docs[1]" || docs[1].Top {
		t.Errorf("Docs(docs) = %+v, %v, %v", docs, ok, err)
	}
	if _, _, err := d.Docs("bad"); errText(err) != "x.bad[1] is a number, want a mapping" {
		t.Errorf("Docs(bad) error = %v", err)
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	// schema: ids in "id", uris in "self", parents by uri in "up" and by
	// reference in "owner", children in "items".
	s := Schema{
		Links: func(d Doc) ([]Link, error) {
			var out []Link
			if u, err := d.String("self"); u != "" || err != nil {
				out = append(out, Link{Relation: "self", URI: u, Field: d.Field("self")})
			}
			if u, err := d.String("next"); u != "" || err != nil {
				out = append(out, Link{Relation: "next", URI: u, Field: d.Field("next")})
			}
			return out, nil
		},
		Parents: func(d Doc, _ []Link) ([]Parent, error) {
			var out []Parent
			if u, _ := d.String("up"); u != "" {
				out = append(out, Parent{URI: u, Field: d.Field("up")}, Parent{URI: u})
			}
			if o, _ := d.String("owner"); o != "" {
				out = append(out, Parent{Ref: sdk.Ref{Type: "user", ID: o}}, Parent{Ref: sdk.Ref{Type: "user", ID: o}})
			}
			return out, nil
		},
		Children: func(d Doc) ([]Doc, bool, error) { return d.Docs("items") },
	}
	type want struct {
		Resources []sdk.Resource
		Links     []string
		Aliases   []string
		Err       string
	}
	for name, tc := range map[string]struct {
		json, uri, hint string
		want            want
	}{
		"a file resource, typed by its uri, parents resolved and once each": {
			json: `{"id": 1, "self": "http://h/t/1", "up": "../u/2", "owner": "ada"}`,
			want: want{Resources: []sdk.Resource{{ID: "1", Type: "t", URI: "http://h/t/1", Parents: []string{"http://h/u/2"},
				ParentRefs: []sdk.Ref{{Type: "user", ID: "ada"}}, JSON: []byte(`{"id":1,"owner":"ada","self":"http://h/t/1","up":"../u/2"}`)}}},
		},
		"a file resource typed by its directory": {
			json: `{"id": "a"}`, hint: "thing",
			want: want{Resources: []sdk.Resource{{ID: "a", Type: "thing", JSON: []byte(`{"id":"a"}`)}}},
		},
		"a fetched page: items typed by their uris, the next link, the self link an alias": {
			json: `{"self": "/t?page=1", "next": "/t?page=2", "items": [{"id": "a", "self": "/t/a"}, {"id": "b", "self": "/t/b", "up": "a"}]}`,
			uri:  "http://h/t",
			want: want{Resources: []sdk.Resource{
				{ID: "a", Type: "t", URI: "http://h/t/a", JSON: []byte(`{"id":"a","self":"/t/a"}`)},
				{ID: "b", Type: "t", URI: "http://h/t/b", Parents: []string{"http://h/t/a"}, JSON: []byte(`{"id":"b","self":"/t/b","up":"a"}`)},
			}, Links: []string{"http://h/t?page=2"}, Aliases: []string{"http://h/t?page=1"}},
		},
		"a fetched discovery document": {json: `{"next": "/t"}`, uri: "http://h/", want: want{Links: []string{"http://h/t"}}},
		"an empty page":                {json: `{"items": []}`, uri: "http://h/t", want: want{}},
		"a file with only links":       {json: `{"next": "http://h/t"}`, want: want{Err: "f.json:3: document has no id"}},
		"foreign data over HTTP":       {json: `{"uuid": 1}`, uri: "http://h/t/1", want: want{Err: "f.json:3: document has no id"}},
		"a foreign item in a page": {json: `{"items": [{"id": "a", "self": "/t/a"}, {"uuid": 2}]}`, uri: "http://h/t",
			want: want{Err: "f.json:3: items[1]: document has no id"}},
		"an item typed by nothing": {json: `{"items": [{"id": "a"}]}`, uri: "http://h/t", hint: "t",
			want: want{Err: `f.json:3: items[0]: resource "a" has no type (no uri, and no type directory)`}},
		"no collection segment": {json: `{"id": "a", "self": "http://h/a"}`,
			want: want{Err: `f.json:3: resource "a" has no type: its uri "http://h/a" has no collection segment`}},
		"an invalid self uri": {json: `{"id": "a", "self": "%zz"}`, want: want{Err: `f.json:3: self: invalid uri "%zz"`}},
		"not an object":       {json: `[1]`, want: want{Err: "f.json:3: document is not a mapping: found a list"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			canon, err := sdk.CanonicalJSON([]byte(tc.json))
			if err != nil {
				t.Fatal(err)
			}
			v := sdk.Value{JSON: canon, Source: "f.json", Line: 3, URI: tc.uri, TypeHint: tc.hint, Location: "l"}
			c, err := s.Classify(v, sdk.FollowPage)
			got := want{Resources: c.Resources, Links: c.Links, Aliases: c.Aliases, Err: errText(err)}
			for i := range got.Resources {
				r := &got.Resources[i]
				if r.Source != "f.json" || r.Line != 3 || r.Location != "l" {
					t.Errorf("resource %s does not carry the value's source", r.ID)
				}
				r.Source, r.Line, r.Location = "", 0, ""
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
