package fromproto

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

func TestOpenRequest(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in   *pb.Open_Request
		want sdk.OpenRequest
	}{
		"nil":  {in: nil, want: sdk.OpenRequest{}},
		"zero": {in: &pb.Open_Request{}, want: sdk.OpenRequest{}},
		"every field": {
			in: &pb.Open_Request{Endpoint: "dir", Location: "./d", Role: pb.Open_ROLE_DESTINATION, Replace: true,
				Formats: []*pb.FormatInfo{{Name: "yaml", Extensions: []string{".yaml"}, MediaTypes: []string{"application/yaml"}}},
				Options: map[string]string{"limit": "5"}, Schema: "hal", Follow: pb.Follow_FOLLOW_ALL,
				Origins: []string{"./a"}, Filters: []string{"--include=t"}},
			want: sdk.OpenRequest{Location: "./d", Role: sdk.RoleDestination, Replace: true,
				Formats: []sdk.FormatInfo{{Name: "yaml", Extensions: []string{".yaml"}, MediaTypes: []string{"application/yaml"}}},
				Options: map[string]string{"limit": "5"}, Schema: "hal", Follow: sdk.FollowAll,
				Origins: []string{"./a"}, Filters: []string{"--include=t"}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, OpenRequest(tc.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
