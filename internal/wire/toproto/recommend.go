package toproto

import (
	"github.com/resource-sync/resource-sync/sdk"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// Recommendation fills an Open response with what the endpoint
// recommends.
func Recommendation(in sdk.Recommendation, resp *pb.Open_Response) {
	resp.Schema, resp.SchemaOptions, resp.Service, resp.JsonBodies = in.Schema, in.SchemaOptions, in.Service, in.JSONBodies
	resp.Ignore = FieldRules(in.Ignore)
	resp.Secrets = FieldRules(in.Secrets)
}

// FieldRules converts a list; nil for none.
func FieldRules(in []sdk.FieldRule) []*pb.FieldRule {
	if len(in) == 0 {
		return nil
	}
	out := make([]*pb.FieldRule, len(in))
	for i, f := range in {
		out[i] = &pb.FieldRule{Type: f.Type, Pointer: f.Pointer, Env: f.Env}
	}
	return out
}
