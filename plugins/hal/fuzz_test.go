package hal_test

import (
	"testing"

	"github.com/resource-sync/resource-sync/plugins/hal"
	"github.com/resource-sync/resource-sync/sdk/sdktest"
)

// FuzzClassify checks the guarantees every schema gives (see
// sdktest.FuzzSchema) on any JSON object.
func FuzzClassify(f *testing.F) {
	sdktest.FuzzSchema(f, hal.Schema{}, []sdktest.SchemaCase{
		{JSON: linked.json, URI: linked.uri, TypeHint: ""},
		{JSON: `{"id":"o1","_links":{"self":{"href":"https://h/api/v1/order/o1/"}}}`, URI: "", TypeHint: ""},
		{JSON: `{"id":123456789012345678901234567890,"total":1e400}`, URI: "", TypeHint: "order"},
		{JSON: `{"items":[{"id":"é 世","_links":{"self":{"href":"../x%2Fy/%C3%A9"},"next":[{"href":"?p=2"}]}}],"_links":{"next":{"href":"?offset=2"}}}`, URI: "http://h/a/b?offset=0", TypeHint: ""},
		{JSON: `{"_embedded":{"items":[{"id":1,"_links":{"self":{"href":"/n/1"},"parent:p":{"href":"//other/p/1"}}}]}}`, URI: "http://h/n", TypeHint: ""},
		{JSON: `{"id":"o1","items":["a",{"sku":1}],"_links":{"self":[{"href":"/order/o1"}],"t":{"href":"{x}","templated":true}}}`, URI: "http://h/", TypeHint: ""},
		{JSON: `{"id":" ","_links":{"self":{"href":""}}}`, URI: "", TypeHint: " "},
		{JSON: `{}`, URI: "", TypeHint: ""},
	}...)
}
