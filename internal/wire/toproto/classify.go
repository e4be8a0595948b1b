package toproto

import (
	"github.com/resource-sync/resource-sync/sdk"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// Classify_Result is what a schema found in one value, or why it could
// not classify it.
func Classify_Result(in sdk.Classified, err error) *pb.Classify_Result {
	return &pb.Classify_Result{
		Resources: Resources(in.Resources),
		Links:     in.Links,
		Aliases:   in.Aliases,
		Error:     Diagnostic(err),
	}
}
