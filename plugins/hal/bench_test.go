package hal_test

import (
	"testing"

	"github.com/resource-sync/resource-sync/plugins/hal"
	"github.com/resource-sync/resource-sync/sdk"
)

// order is a typical microcosm resource of about 1 KiB.
const order = `{
	"id": "0f8e3c6a-5b1d-4c2e-9f7a-1d2b3c4d5e6f",
	"orderNumber": 123456789012345678,
	"status": "SHIPPED",
	"currency": "EUR",
	"total": 1234.50,
	"createdAt": "2017-01-01T12:34:56.789Z",
	"updatedAt": "2017-01-02T08:00:00.000Z",
	"note": "Livraison après 18h, sonner deux fois « SVP »",
	"shippingAddress": {"name": "Zoë Ångström", "street": "12 rue de l'Église", "city": "Paris", "postcode": "75004", "country": "FR"},
	"lines": [
		{"sku": "SKU-0001", "quantity": 2, "price": 19.99},
		{"sku": "SKU-0002", "quantity": 1, "price": 249.00},
		{"sku": "SKU-0003", "quantity": 5, "price": 3.10}
	],
	"_links": {
		"self": {"href": "https://api.example.com/api/v1/order/0f8e3c6a-5b1d-4c2e-9f7a-1d2b3c4d5e6f"},
		"parent:customer": {"href": "https://api.example.com/api/v1/customer/8d7c6b5a-4e3f-2a1b-0c9d-8e7f6a5b4c3d"},
		"parent:store": [{"href": "/api/v1/store/42"}, {"href": "/api/v1/store/43"}],
		"child:shipment": {"href": "/api/v1/shipment?order_id=0f8e3c6a-5b1d-4c2e-9f7a-1d2b3c4d5e6f"},
		"child:invoice": {"href": "/api/v1/invoice?order_id=0f8e3c6a-5b1d-4c2e-9f7a-1d2b3c4d5e6f"},
		"search": {"href": "/api/v1/order{?status,offset,limit}", "templated": true}
	}
}`

func BenchmarkClassify(b *testing.B) {
	v := input{json: order, uri: "https://api.example.com/api/v1/order/0f8e3c6a-5b1d-4c2e-9f7a-1d2b3c4d5e6f"}.value(b)
	b.SetBytes(int64(len(v.JSON)))
	b.ReportAllocs()
	for b.Loop() {
		c, err := hal.Schema{}.Classify(v, sdk.FollowChild)
		if err != nil || len(c.Resources) != 1 || len(c.Links) != 2 {
			b.Fatalf("got %+v, %v", c, err)
		}
	}
}
