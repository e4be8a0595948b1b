package fromproto

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

func TestWriteItem(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in   *pb.WriteItem
		want sdk.WriteItem
	}{
		"nil":  {in: nil, want: sdk.WriteItem{}},
		"zero": {in: &pb.WriteItem{}, want: sdk.WriteItem{}},
		"every field": {
			in: &pb.WriteItem{Seq: 7, Resource: &pb.Resource{Id: "a", Type: "t", Etag: `"v1"`}, Content: []byte("id: a\n"),
				Extension: ".yaml", MediaType: "application/yaml", Unchanged: true, ExistingLocation: "t/a.json",
				IfMatch: `"v1"`, IfNoneMatch: true},
			want: sdk.WriteItem{Seq: 7, Resource: sdk.Resource{ID: "a", Type: "t", ETag: `"v1"`}, Content: []byte("id: a\n"),
				Extension: ".yaml", MediaType: "application/yaml", Unchanged: true, ExistingLocation: "t/a.json",
				IfMatch: `"v1"`, IfNoneMatch: true},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, WriteItem(tc.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
