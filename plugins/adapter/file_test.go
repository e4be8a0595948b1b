package adapter

import (
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	t.Parallel()
	const head = "base_url: http://h/api\ncollections:\n"
	for name, tc := range map[string]struct {
		yaml string
		want string // "LINE: message start"
	}{
		"unknown top-level key":     {"base_url: http://h\ncolections: {}\n", "2: unknown field \"colections\" in the adapter file (did you mean collections?)"},
		"unknown collection key":    {head + "  a:\n    list: /a\n    item: /a/{id}\n    pagination: link\n    idd: x\n", "7: unknown field \"idd\" in collection a (did you mean id?)"},
		"no base_url":               {"collections:\n  a: {list: /a, item: '/a/{id}'}\n", "1: no base_url"},
		"base_url with credentials": {"base_url: http://u:p@h\ncollections:\n  a: {list: /a, item: '/a/{id}'}\n", "1: base_url: \"http://***@h\" holds credentials"},
		"base_url with a query":     {"base_url: http://h/?k=1\ncollections:\n  a: {list: /a, item: '/a/{id}'}\n", "1: base_url: \"http://h/?k=1\": a base URL has no query"},
		"item without id":           {head + "  a: {list: /a, item: /a/x}\n", "3: collection a: item: \"/a/x\": an item URL has {id} exactly once"},
		"unbalanced brace":          {head + "  a: {list: /a, item: '/a/{id}/}x'}\n", "3: collection a: item: \"/a/{id}/}x\": } without a {"},
		"full URL":                  {head + "  a: {list: 'http://h/a', item: '/a/{id}'}\n", "3: collection a: list: \"http://h/a\": write a path"},
		"missing list":              {head + "  a: {item: '/a/{id}'}\n", "3: collection a has no list URL"},
		"reference to nothing":      {head + "  a:\n    list: /a\n    item: /a/{id}\n    references:\n      - b_id -> b\n", "7: collection a: reference b_id -> b: there is no collection b"},
		"reference syntax":          {head + "  a:\n    list: /a\n    item: /a/{id}\n    references: [b_id]\n", "6: collection a: reference \"b_id\": want FIELD -> COLLECTION"},
		"[] in an id":               {head + "  a: {list: /a, item: '/a/{id}', id: 'x[].y'}\n", "[] (every element of a list) is for references only"},
		"bad JSONPath":              {head + "  a: {list: /a, item: '/a/{id}', items: '$.['}\n", "3: collection a: items: \"$.[\" is not a JSONPath"},
		"pagination type":           {head + "  a: {list: /a, item: '/a/{id}', pagination: {type: pages}}\n", "3: collection a: pagination: type: \"pages\" is not one of"},
		"pagination key of another": {head + "  a: {list: /a, item: '/a/{id}', pagination: {type: page, limit: 5}}\n", "3: collection a: pagination: page pagination takes no limit"},
		"cursor without cursor":     {head + "  a: {list: /a, item: '/a/{id}', pagination: {type: cursor}}\n", "3: collection a: pagination: cursor pagination needs cursor"},
		"size zero":                 {head + "  a: {list: /a, item: '/a/{id}', pagination: {type: page, size: 0}}\n", "3: collection a: pagination: size: must be at least 1"},
		"inline secret":             {"base_url: http://h\nauth: {type: bearer, token: s3cret}\n" + "collections:\n  a: {list: /a, item: '/a/{id}'}\n", "2: auth token is written in the file"},
		"auth without its keys":     {"base_url: http://h\nauth: {type: header, value: '${env:K}'}\n" + "collections:\n  a: {list: /a, item: '/a/{id}'}\n", "2: auth type header needs name and value"},
		"a ${ that is not env":      {"base_url: http://h\nauth: {type: bearer, token: '${K}'}\n" + "collections:\n  a: {list: /a, item: '/a/{id}'}\n", "2: auth token: a ${ that does not start ${env:NAME}"},
		"server-managed id":         {head + "  a: {list: /a, item: '/a/{id}', server_managed: [id]}\n", "the id field id cannot be server-managed"},
		"not YAML":                  {"base_url: [\n", "not valid YAML"},
		"a type that is a path":     {head + "  a/b: {list: /a, item: '/a/{id}'}\n", "3: collection \"a/b\" cannot name a resource type"},
		"references in defaults":    {"base_url: http://h\ndefaults:\n  references: [x -> a]\ncollections:\n  a: {list: /a, item: '/a/{id}'}\n", "3: defaults: references belong to one collection"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("acme.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error:\n%v\nwant it to contain %q", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "acme.yaml:") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestParseDefaults(t *testing.T) {
	t.Parallel()
	f, err := Parse("pb.yaml", []byte(`base_url: http://h/api/
defaults:
  list: /collections/{collection}/records
  item: /collections/{collection}/records/{id}
  items: items
  update: patch
  server_managed: [created]
collections:
  posts:
    server_managed: [updated]
    update: put
  tags: {}
`))
	if err != nil {
		t.Fatal(err)
	}
	posts, _ := f.Collection("posts")
	tags, _ := f.Collection("tags")
	if got := posts.Item.expand("posts", "a b/c"); got != "/collections/posts/records/a%20b%2Fc" {
		t.Errorf("item URL %q", got)
	}
	if posts.Update != "put" || tags.Update != "patch" || !tags.merges() || posts.merges() {
		t.Errorf("update: posts %s, tags %s", posts.Update, tags.Update)
	}
	if len(posts.ServerManaged) != 2 || len(tags.ServerManaged) != 1 {
		t.Errorf("server_managed: posts %v, tags %v", posts.ServerManaged, tags.ServerManaged)
	}
	if f.Name != "pb" {
		t.Errorf("name %q, want the file's", f.Name)
	}
}
