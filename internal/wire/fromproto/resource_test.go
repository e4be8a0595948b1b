package fromproto

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

func TestResource(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in   *pb.Resource
		want sdk.Resource
	}{
		"nil":  {in: nil, want: sdk.Resource{}},
		"zero": {in: &pb.Resource{}, want: sdk.Resource{}},
		"every field": {
			in: &pb.Resource{Id: "o1", Type: "order", Uri: "http://h/order/o1", Parents: []string{"http://h/customer/c1"},
				ParentRefs: []*pb.ParentRef{{Type: "customer", Id: "c1"}, nil},
				Json:       []byte(`{"id":"o1"}`), Source: "o1.yaml", Line: 3, Location: "order/o1.yaml"},
			want: sdk.Resource{ID: "o1", Type: "order", URI: "http://h/order/o1", Parents: []string{"http://h/customer/c1"},
				ParentRefs: []sdk.Ref{{Type: "customer", ID: "c1"}, {}},
				JSON:       []byte(`{"id":"o1"}`), Source: "o1.yaml", Line: 3, Location: "order/o1.yaml"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, Resource(tc.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestResources(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in   []*pb.Resource
		want []sdk.Resource
	}{
		"nil":   {in: nil, want: nil},
		"empty": {in: []*pb.Resource{}, want: nil},
		"two": {
			in:   []*pb.Resource{{Id: "a", Type: "t"}, nil},
			want: []sdk.Resource{{ID: "a", Type: "t"}, {}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, Resources(tc.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
