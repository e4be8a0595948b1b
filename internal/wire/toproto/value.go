package toproto

import (
	"github.com/resource-sync/resource-sync/sdk"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// Value is one decoded value.
func Value(in sdk.Value) *pb.Value {
	return &pb.Value{
		Json:     in.JSON,
		Source:   in.Source,
		Line:     int32(in.Line),
		Uri:      in.URI,
		TypeHint: in.TypeHint,
		Location: in.Location,
	}
}

// Values converts a list; nil for none.
func Values(in []sdk.Value) []*pb.Value {
	if len(in) == 0 {
		return nil
	}
	out := make([]*pb.Value, len(in))
	for i, v := range in {
		out[i] = Value(v)
	}
	return out
}
