package simple_test

import (
	"testing"

	"github.com/resource-sync/resource-sync/plugins/internal/schemautil/schematest"
	"github.com/resource-sync/resource-sync/plugins/simple"
)

// FuzzClassify checks the guarantees every schema gives (see
// schematest.Fuzz) on any JSON object.
func FuzzClassify(f *testing.F) {
	schematest.Fuzz(f, simple.Schema{}, []schematest.Seed{
		{JSON: linked.json, URI: linked.uri, Hint: ""},
		{JSON: `{"id":1,"title":"json-server","author":"typicode"}`, URI: "http://localhost:3000/posts?_page=2", Hint: ""},
		{JSON: `{"id":"a b/c","postId":1}`, URI: "http://localhost:3000/comments/a%20b%2Fc", Hint: ""},
		{JSON: `{"id":123456789012345678901234567890}`, URI: "", Hint: "posts"},
		{JSON: `{"id":"é 世","type":"t","uri":"../x%2Fy/%C3%A9","parents":["/p/1","/p/1"],"links":[{"relation":"next","uri":"?p=2"}]}`, URI: "http://h/a/b", Hint: ""},
		{JSON: `{"links":[{"relation":"child:x","uri":"//other/x"}],"embedded":[{"id":1,"type":"t","embedded":[{"id":2,"type":"u"}]}]}`, URI: "http://h/", Hint: ""},
		{JSON: `{"id":" ","type":null,"uri":""}`, URI: "http://h/", Hint: " "},
		{JSON: `{}`, URI: "", Hint: ""},
	})
}
