package simple_test

import (
	"testing"

	"github.com/resource-sync/resource-sync/plugins/simple"
	"github.com/resource-sync/resource-sync/sdk/sdktest"
)

// FuzzClassify checks the guarantees every schema gives (see
// sdktest.FuzzSchema) on any JSON object.
func FuzzClassify(f *testing.F) {
	sdktest.FuzzSchema(f, simple.Schema{},
		sdktest.SchemaCase{JSON: linked.json, URI: linked.uri, TypeHint: ""},
		sdktest.SchemaCase{JSON: `{"id":1,"title":"json-server","author":"typicode"}`, URI: "http://localhost:3000/posts?_page=2", TypeHint: ""},
		sdktest.SchemaCase{JSON: `{"id":"a b/c","postId":1}`, URI: "http://localhost:3000/comments/a%20b%2Fc", TypeHint: ""},
		sdktest.SchemaCase{JSON: `{"id":123456789012345678901234567890}`, URI: "", TypeHint: "posts"},
		sdktest.SchemaCase{JSON: `{"id":"é 世","type":"t","uri":"../x%2Fy/%C3%A9","parents":["/p/1","/p/1"],"links":[{"relation":"next","uri":"?p=2"}]}`, URI: "http://h/a/b", TypeHint: ""},
		sdktest.SchemaCase{JSON: `{"links":[{"relation":"child:x","uri":"//other/x"}],"embedded":[{"id":1,"type":"t","embedded":[{"id":2,"type":"u"}]}]}`, URI: "http://h/", TypeHint: ""},
		sdktest.SchemaCase{JSON: `{"id":" ","type":null,"uri":""}`, URI: "http://h/", TypeHint: " "},
		sdktest.SchemaCase{JSON: `{}`, URI: "", TypeHint: ""},
	)
}
