package sdktest

import (
	"context"
	"fmt"
	"strings"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// document is content as an endpoint would hand it over, with context
// the decoded values must carry along.
func (f *formatterChecks) document(name string, content []byte) *pb.Document {
	ext := first(f.comp.GetExtensions())
	return &pb.Document{
		Content:   content,
		Extension: ext,
		MediaType: first(f.comp.GetMediaTypes()),
		Source:    "sdktest/" + name + ext,
		Uri:       "https://sdktest.invalid/" + strings.ReplaceAll(name, " ", "-"),
		TypeHint:  "sdktest-type",
		Location:  "sdktest-location/" + name,
	}
}

// encode sends values in one Encode request and returns one result each.
func (f *formatterChecks) encode(ctx context.Context, style pb.Encode_Style, values []*pb.Value) ([]*pb.Encode_Result, error) {
	resps, err := f.encodeBatches(ctx, style, [][]*pb.Value{values})
	if err != nil {
		return nil, err
	}
	return resps[0], nil
}

// encodeBatches sends one Encode request per batch on one stream and
// returns the results of each, checking there is one per value.
func (f *formatterChecks) encodeBatches(ctx context.Context, style pb.Encode_Style, batches [][]*pb.Value) ([][]*pb.Encode_Result, error) {
	stream, err := f.client.Encode(ctx)
	if err != nil {
		return nil, fmt.Errorf("Encode: %w", err)
	}
	reqs := make([]*pb.Encode_Request, len(batches))
	for i, b := range batches {
		reqs[i] = &pb.Encode_Request{Format: f.opt.Name, Style: style, Values: b}
	}
	resps, err := exchange(stream, reqs)
	if err != nil {
		return nil, fmt.Errorf("Encode: %w", err)
	}
	out := make([][]*pb.Encode_Result, len(resps))
	for i, r := range resps {
		if got, want := len(r.GetResults()), len(batches[i]); got != want {
			return nil, fmt.Errorf("Encode: request %d of %d values got %d results", i+1, want, got)
		}
		out[i] = r.GetResults()
	}
	return out, nil
}

// decode sends docs in one Decode request and returns one result each.
func (f *formatterChecks) decode(ctx context.Context, docs []*pb.Document) ([]*pb.Decode_Result, error) {
	resps, err := f.decodeBatches(ctx, [][]*pb.Document{docs})
	if err != nil {
		return nil, err
	}
	return resps[0], nil
}

func (f *formatterChecks) decodeBatches(ctx context.Context, batches [][]*pb.Document) ([][]*pb.Decode_Result, error) {
	stream, err := f.client.Decode(ctx)
	if err != nil {
		return nil, fmt.Errorf("Decode: %w", err)
	}
	reqs := make([]*pb.Decode_Request, len(batches))
	for i, b := range batches {
		reqs[i] = &pb.Decode_Request{Format: f.opt.Name, Documents: b}
	}
	resps, err := exchange(stream, reqs)
	if err != nil {
		return nil, fmt.Errorf("Decode: %w", err)
	}
	out := make([][]*pb.Decode_Result, len(resps))
	for i, r := range resps {
		if got, want := len(r.GetResults()), len(batches[i]); got != want {
			return nil, fmt.Errorf("Decode: request %d of %d documents got %d results", i+1, want, got)
		}
		out[i] = r.GetResults()
	}
	return out, nil
}
