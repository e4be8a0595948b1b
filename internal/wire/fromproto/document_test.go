package fromproto

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

func TestDocument(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in   *pb.Document
		want sdk.Document
	}{
		"nil":  {in: nil, want: sdk.Document{}},
		"zero": {in: &pb.Document{}, want: sdk.Document{}},
		"every field": {
			in: &pb.Document{Content: []byte("a: 1\n"), MediaType: "application/yaml", Extension: ".yaml", Source: "d/t/a.yaml",
				Uri: "http://h/t/a", TypeHint: "t", Location: "t/a.yaml", SingleValue: true, Unchanged: true, Etag: `"v1"`},
			want: sdk.Document{Content: []byte("a: 1\n"), MediaType: "application/yaml", Extension: ".yaml", Source: "d/t/a.yaml",
				URI: "http://h/t/a", TypeHint: "t", Location: "t/a.yaml", SingleValue: true, Unchanged: true, ETag: `"v1"`},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, Document(tc.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
