package toproto

import (
	"testing"

	"github.com/resource-sync/resource-sync/internal/wire/fromproto"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

// TestSpansRoundTrip: resources that are slices of their value go as
// spans, others as bytes, and ResolveSpans gives every one its JSON back.
func TestSpansRoundTrip(t *testing.T) {
	value := []byte(`{"items":[{"id":"a"},{"id":"b"}]}`)
	copied := []byte(`{"id":"c"}`)
	c := sdk.Classified{Resources: []sdk.Resource{
		{ID: "a", JSON: value[10:20]},
		{ID: "b", JSON: value[21:31]},
		{ID: "c", JSON: copied},                      // not in the value
		{ID: "whole", JSON: value},                   // all of it
		{ID: "past", JSON: value[len(value)-2:][:2]}, // its last bytes
	}}
	out := Classify_Result(c, nil)
	Spans(value, c, out)
	for k, r := range out.Resources {
		if spanned := r.GetJsonSpan() != nil; spanned == (c.Resources[k].ID == "c") {
			t.Errorf("%s: sent as a span %v", r.GetId(), spanned)
		}
	}
	resp := &pb.Classify_Response{Results: []*pb.Classify_Result{out}}
	if err := fromproto.ResolveSpans([]*pb.Value{{Json: value}}, resp); err != nil {
		t.Fatal(err)
	}
	for k, r := range out.Resources {
		if string(r.GetJson()) != string(c.Resources[k].JSON) || r.GetJsonSpan() != nil {
			t.Errorf("%s: resolved to %s, want %s", r.GetId(), r.GetJson(), c.Resources[k].JSON)
		}
	}
}

// TestResolveSpansRefusesBadSpans: a span outside its value, or sent with
// bytes as well, is a protocol error.
func TestResolveSpansRefusesBadSpans(t *testing.T) {
	value := &pb.Value{Json: []byte(`{"id":"a"}`)}
	for _, r := range []*pb.Resource{
		{Id: "past the end", JsonSpan: &pb.Span{Start: 2, End: 11}},
		{Id: "backwards", JsonSpan: &pb.Span{Start: 5, End: 4}},
		{Id: "negative", JsonSpan: &pb.Span{Start: -1, End: 4}},
		{Id: "both", Json: []byte(`{}`), JsonSpan: &pb.Span{Start: 0, End: 2}},
	} {
		resp := &pb.Classify_Response{Results: []*pb.Classify_Result{{Resources: []*pb.Resource{r}}}}
		if err := fromproto.ResolveSpans([]*pb.Value{value}, resp); err == nil {
			t.Errorf("%s: accepted", r.GetId())
		}
	}
	extra := &pb.Classify_Response{Results: []*pb.Classify_Result{{}, {Resources: []*pb.Resource{{Id: "x", JsonSpan: &pb.Span{}}}}}}
	if err := fromproto.ResolveSpans([]*pb.Value{value}, extra); err == nil {
		t.Error("a span for a value that was never sent: accepted")
	}
}
