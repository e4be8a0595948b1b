package fromproto

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

func TestValue(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in   *pb.Value
		want sdk.Value
	}{
		"nil":  {in: nil, want: sdk.Value{}},
		"zero": {in: &pb.Value{}, want: sdk.Value{}},
		"every field": {
			in:   &pb.Value{Json: []byte(`{"id":"a"}`), Source: "f.yaml", Line: 12, Uri: "http://h/t/a", TypeHint: "t", Location: "t/a.yaml"},
			want: sdk.Value{JSON: []byte(`{"id":"a"}`), Source: "f.yaml", Line: 12, URI: "http://h/t/a", TypeHint: "t", Location: "t/a.yaml"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, Value(tc.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
