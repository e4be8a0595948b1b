package toproto

import (
	"github.com/resource-sync/resource-sync/sdk"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// Write_Result reports one item.
func Write_Result(in sdk.WriteResult) *pb.Write_Result {
	return &pb.Write_Result{Seq: in.Seq, Status: Write_Status(in.Status), Error: Diagnostic(in.Err),
		Etag: in.ETag, Uri: in.URI}
}

// Write_Status is an outcome; a status the protocol does not know is
// STATUS_UNSPECIFIED, which the host refuses naming the plugin.
func Write_Status(in sdk.WriteStatus) pb.Write_Status {
	switch in {
	case sdk.Written:
		return pb.Write_STATUS_WRITTEN
	case sdk.Unchanged:
		return pb.Write_STATUS_UNCHANGED
	case sdk.Failed:
		return pb.Write_STATUS_FAILED
	case sdk.PreconditionFailed:
		return pb.Write_STATUS_PRECONDITION_FAILED
	case sdk.Staged:
		return pb.Write_STATUS_STAGED
	}
	return pb.Write_STATUS_UNSPECIFIED
}

// WriteItem is one item of a Write, as the host sends it.
func WriteItem(in sdk.WriteItem) *pb.WriteItem {
	return &pb.WriteItem{
		Seq:              in.Seq,
		Resource:         Resource(in.Resource),
		Content:          in.Content,
		Extension:        in.Extension,
		MediaType:        in.MediaType,
		Unchanged:        in.Unchanged,
		ExistingLocation: in.ExistingLocation,
		IfMatch:          in.IfMatch,
		IfNoneMatch:      in.IfNoneMatch,
	}
}
