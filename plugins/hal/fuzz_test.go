package hal_test

import (
	"testing"

	"github.com/resource-sync/resource-sync/plugins/hal"
	"github.com/resource-sync/resource-sync/sdk/sdktest"
)

// FuzzClassify checks the guarantees every schema gives (see
// sdktest.FuzzSchema) on any JSON object.
func FuzzClassify(f *testing.F) {
	sdktest.FuzzSchema(f, hal.Schema{},
		sdktest.SchemaCase{JSON: linked.json, URI: linked.uri, TypeHint: ""},
		sdktest.SchemaCase{JSON: `{"id":"o1","_links":{"self":{"href":"https://h/api/v1/order/o1/"}}}`, URI: "", TypeHint: ""},
		sdktest.SchemaCase{JSON: `{"id":123456789012345678901234567890,"total":1e400}`, URI: "", TypeHint: "order"},
		sdktest.SchemaCase{JSON: `{"items":[{"id":"é 世","_links":{"self":{"href":"../x%2Fy/%C3%A9"},"next":[{"href":"?p=2"}]}}],"_links":{"next":{"href":"?offset=2"}}}`, URI: "http://h/a/b?offset=0", TypeHint: ""},
		sdktest.SchemaCase{JSON: `{"_embedded":{"items":[{"id":1,"_links":{"self":{"href":"/n/1"},"parent:p":{"href":"//other/p/1"}}}]}}`, URI: "http://h/n", TypeHint: ""},
		sdktest.SchemaCase{JSON: `{"id":"o1","items":["a",{"sku":1}],"_links":{"self":[{"href":"/order/o1"}],"t":{"href":"{x}","templated":true}}}`, URI: "http://h/", TypeHint: ""},
		sdktest.SchemaCase{JSON: `{"id":" ","_links":{"self":{"href":""}}}`, URI: "", TypeHint: " "},
		sdktest.SchemaCase{JSON: `{}`, URI: "", TypeHint: ""},
	)
}
