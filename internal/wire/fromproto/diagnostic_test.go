package fromproto

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

func TestError(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in   *pb.Diagnostic
		want *sdk.Error
	}{
		"nil":  {in: nil, want: nil},
		"zero": {in: &pb.Diagnostic{}, want: &sdk.Error{}},
		"every field": {
			in:   &pb.Diagnostic{Summary: "bad id", Source: "f.yaml", Line: 4, Warning: true, Incomplete: true},
			want: &sdk.Error{Msg: "bad id", Source: "f.yaml", Line: 4, Warning: true, Incomplete: true},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, Error(tc.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
