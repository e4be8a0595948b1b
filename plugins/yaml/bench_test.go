package yaml

import (
	"os"
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
)

// order is a realistic resource of about 1 KiB, as canonical JSON.
func order(b *testing.B) []byte {
	b.Helper()
	content, err := os.ReadFile("testdata/order.json")
	if err != nil {
		b.Fatal(err)
	}
	canon, err := sdk.CanonicalJSON(content)
	if err != nil {
		b.Fatal(err)
	}
	return canon
}

func BenchmarkDecode(b *testing.B) {
	content, err := Formatter{}.Encode(sdk.Value{JSON: order(b)}, sdk.StyleFile)
	if err != nil {
		b.Fatal(err)
	}
	doc := sdk.Document{Content: content, Source: "order.yaml"}
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := (Formatter{}).Decode(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	v := sdk.Value{JSON: order(b)}
	b.SetBytes(int64(len(v.JSON)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := (Formatter{}).Encode(v, sdk.StyleFile); err != nil {
			b.Fatal(err)
		}
	}
}
