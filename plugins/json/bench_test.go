package json

import (
	"os"
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
)

func loadOrder(b *testing.B) []byte {
	b.Helper()
	content, err := os.ReadFile("testdata/order.json")
	if err != nil {
		b.Fatal(err)
	}
	return content
}

func BenchmarkDecode(b *testing.B) {
	doc := sdk.Document{Content: loadOrder(b), Source: "order.json"}
	b.SetBytes(int64(len(doc.Content)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := (Formatter{}).Decode(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	canon, err := sdk.CanonicalJSON(loadOrder(b))
	if err != nil {
		b.Fatal(err)
	}
	v := sdk.Value{JSON: canon}
	for _, style := range []struct {
		name  string
		style sdk.Style
	}{{"file", sdk.StyleFile}, {"stream", sdk.StyleStream}} {
		b.Run(style.name, func(b *testing.B) {
			b.SetBytes(int64(len(canon)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := (Formatter{}).Encode(v, style.style); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
