package fromproto

import (
	"testing"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

// Every value of every enum maps to its own SDK value: adding one to the
// protocol without converting it fails here.
func TestEnumsExhaustive(t *testing.T) {
	t.Parallel()
	check := func(t *testing.T, name string, values map[int32]string, convert func(int32) int) {
		t.Helper()
		seen := map[int]string{}
		for n, label := range values {
			got := convert(n)
			if other, ok := seen[got]; ok {
				t.Errorf("%s: %s and %s both convert to %d", name, label, other, got)
			}
			seen[got] = label
		}
		if got := convert(9999); got != convert(0) {
			t.Errorf("%s: an unknown value converts to %d, want the default %d", name, got, convert(0))
		}
	}
	check(t, "Follow", pb.Follow_name, func(n int32) int { return int(Follow(pb.Follow(n))) })
	check(t, "Role", pb.Open_Role_name, func(n int32) int { return int(Role(pb.Open_Role(n))) })
	check(t, "Style", pb.Encode_Style_name, func(n int32) int { return int(Style(pb.Encode_Style(n))) })
	check(t, "WriteStatus", pb.Write_Status_name, func(n int32) int { return int(WriteStatus(pb.Write_Status(n))) })
}

func TestEnumValues(t *testing.T) {
	t.Parallel()
	for in, want := range map[pb.Follow]sdk.Follow{
		pb.Follow_FOLLOW_PAGE_UNSPECIFIED: sdk.FollowPage, pb.Follow_FOLLOW_NONE: sdk.FollowNone,
		pb.Follow_FOLLOW_CHILD: sdk.FollowChild, pb.Follow_FOLLOW_ALL: sdk.FollowAll,
	} {
		if got := Follow(in); got != want {
			t.Errorf("Follow(%v) = %v, want %v", in, got, want)
		}
	}
	for in, want := range map[pb.Write_Status]sdk.WriteStatus{
		pb.Write_STATUS_UNSPECIFIED: 0, pb.Write_STATUS_WRITTEN: sdk.Written, pb.Write_STATUS_UNCHANGED: sdk.Unchanged,
		pb.Write_STATUS_FAILED: sdk.Failed, pb.Write_STATUS_STAGED: sdk.Staged,
	} {
		if got := WriteStatus(in); got != want {
			t.Errorf("WriteStatus(%v) = %v, want %v", in, got, want)
		}
	}
	if Role(pb.Open_ROLE_DESTINATION) != sdk.RoleDestination || Role(pb.Open_ROLE_ORIGIN_UNSPECIFIED) != sdk.RoleOrigin {
		t.Error("roles are mixed up")
	}
	if Style(pb.Encode_STYLE_STREAM) != sdk.StyleStream || Style(pb.Encode_STYLE_FILE_UNSPECIFIED) != sdk.StyleFile {
		t.Error("styles are mixed up")
	}
}
