package toproto

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

func TestDocument(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in   sdk.Document
		want *pb.Document
	}{
		"zero": {in: sdk.Document{}, want: &pb.Document{}},
		"every field": {
			in: sdk.Document{Content: []byte("{}"), MediaType: "application/json", Extension: ".json", Source: "s",
				URI: "http://h/x", TypeHint: "t", Location: "t/x.json", SingleValue: true},
			want: &pb.Document{Content: []byte("{}"), MediaType: "application/json", Extension: ".json", Source: "s",
				Uri: "http://h/x", TypeHint: "t", Location: "t/x.json", SingleValue: true},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, Document(tc.in), protocmp.Transform()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestValues(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in   []sdk.Value
		want []*pb.Value
	}{
		"nil":  {in: nil, want: nil},
		"zero": {in: []sdk.Value{{}}, want: []*pb.Value{{}}},
		"every field": {
			in:   []sdk.Value{{JSON: []byte("1"), Source: "s", Line: 2, URI: "u", TypeHint: "t", Location: "l"}},
			want: []*pb.Value{{Json: []byte("1"), Source: "s", Line: 2, Uri: "u", TypeHint: "t", Location: "l"}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, Values(tc.in), protocmp.Transform()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestResource(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in   sdk.Resource
		want *pb.Resource
	}{
		"zero": {in: sdk.Resource{}, want: &pb.Resource{}},
		"every field": {
			in: sdk.Resource{ID: "o1", Type: "order", URI: "u", Parents: []string{"p"}, ParentRefs: []sdk.Ref{{Type: "customer", ID: "c1"}},
				JSON: []byte("{}"), Source: "s", Line: 3, Location: "l"},
			want: &pb.Resource{Id: "o1", Type: "order", Uri: "u", Parents: []string{"p"}, ParentRefs: []*pb.ParentRef{{Type: "customer", Id: "c1"}},
				Json: []byte("{}"), Source: "s", Line: 3, Location: "l"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, Resource(tc.in), protocmp.Transform()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDiagnostic(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in   error
		want *pb.Diagnostic
	}{
		"nil":        {in: nil, want: nil},
		"zero Error": {in: &sdk.Error{}, want: &pb.Diagnostic{}},
		"an Error": {
			in:   &sdk.Error{Source: "f.yaml", Line: 4, Msg: "bad", Warning: true, Incomplete: true},
			want: &pb.Diagnostic{Source: "f.yaml", Line: 4, Summary: "bad", Warning: true, Incomplete: true},
		},
		"a wrapped Error keeps its source": {
			in:   fmt.Errorf("while reading: %w", &sdk.Error{Source: "f.yaml", Msg: "bad"}),
			want: &pb.Diagnostic{Source: "f.yaml", Summary: "bad"},
		},
		"another error": {in: errors.New("disk full"), want: &pb.Diagnostic{Summary: "disk full"}},
		"invalid UTF-8": {
			in:   &sdk.Error{Source: "f\xff.yaml", Msg: "bad \xfe"},
			want: &pb.Diagnostic{Source: "f\uFFFD.yaml", Summary: "bad \uFFFD"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, Diagnostic(tc.in), protocmp.Transform()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteResult(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in   sdk.WriteResult
		want *pb.Write_Result
	}{
		"zero":    {in: sdk.WriteResult{}, want: &pb.Write_Result{}},
		"written": {in: sdk.WriteResult{Seq: 3, Status: sdk.Written}, want: &pb.Write_Result{Seq: 3, Status: pb.Write_STATUS_WRITTEN}},
		"failed": {
			in:   sdk.WriteResult{Seq: 4, Status: sdk.Failed, Err: &sdk.Error{Source: "s", Msg: "refused"}},
			want: &pb.Write_Result{Seq: 4, Status: pb.Write_STATUS_FAILED, Error: &pb.Diagnostic{Source: "s", Summary: "refused"}},
		},
		"unknown status": {in: sdk.WriteResult{Seq: 5, Status: 42}, want: &pb.Write_Result{Seq: 5}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, Write_Result(tc.in), protocmp.Transform()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestClassifyResult(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in   sdk.Classified
		err  error
		want *pb.Classify_Result
	}{
		"zero": {want: &pb.Classify_Result{}},
		"resources and links": {
			in:   sdk.Classified{Resources: []sdk.Resource{{ID: "a", Type: "t"}}, Links: []string{"http://h/2"}, Aliases: []string{"http://h/1"}},
			want: &pb.Classify_Result{Resources: []*pb.Resource{{Id: "a", Type: "t"}}, Links: []string{"http://h/2"}, Aliases: []string{"http://h/1"}},
		},
		"an error": {err: &sdk.Error{Source: "s", Line: 1, Msg: "no id"}, want: &pb.Classify_Result{Error: &pb.Diagnostic{Source: "s", Line: 1, Summary: "no id"}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, Classify_Result(tc.in, tc.err), protocmp.Transform()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// Every SDK enum value maps to its own protocol value, and back.
func TestEnumsExhaustive(t *testing.T) {
	t.Parallel()
	for _, s := range []sdk.WriteStatus{sdk.Written, sdk.Unchanged, sdk.Failed, sdk.PreconditionFailed, sdk.Staged} {
		got := Write_Status(s)
		if got == pb.Write_STATUS_UNSPECIFIED || pb.Write_Status_name[int32(got)] == "" {
			t.Errorf("Write_Status(%v) = %v", s, got)
		}
	}
	if len(pb.Write_Status_name) != 6 {
		t.Errorf("the protocol has %d write statuses; convert the new one", len(pb.Write_Status_name))
	}
	follows := map[sdk.Follow]pb.Follow{sdk.FollowPage: pb.Follow_FOLLOW_PAGE_UNSPECIFIED, sdk.FollowNone: pb.Follow_FOLLOW_NONE,
		sdk.FollowChild: pb.Follow_FOLLOW_CHILD, sdk.FollowAll: pb.Follow_FOLLOW_ALL}
	if len(follows) != len(pb.Follow_name) {
		t.Errorf("the protocol has %d follow modes; convert the new one", len(pb.Follow_name))
	}
	for in, want := range follows {
		if got := Follow(in); got != want {
			t.Errorf("Follow(%v) = %v, want %v", in, got, want)
		}
	}
	if Encode_Style(sdk.StyleStream) != pb.Encode_STYLE_STREAM || Encode_Style(sdk.StyleFile) != pb.Encode_STYLE_FILE_UNSPECIFIED ||
		len(pb.Encode_Style_name) != 2 {
		t.Error("styles are mixed up, or the protocol has a new one")
	}
}
