package fromproto

import (
	"github.com/resource-sync/resource-sync/sdk"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// WriteItem is one item of a Write.
func WriteItem(in *pb.WriteItem) sdk.WriteItem {
	if in == nil {
		return sdk.WriteItem{}
	}
	return sdk.WriteItem{
		Seq:              in.GetSeq(),
		Resource:         Resource(in.GetResource()),
		Content:          in.GetContent(),
		Extension:        in.GetExtension(),
		MediaType:        in.GetMediaType(),
		Unchanged:        in.GetUnchanged(),
		ExistingLocation: in.GetExistingLocation(),
		IfMatch:          in.GetIfMatch(),
		IfNoneMatch:      in.GetIfNoneMatch(),
	}
}

// WriteStatus is a reported outcome; 0 (unknown) for a status this SDK
// does not know.
func WriteStatus(in pb.Write_Status) sdk.WriteStatus {
	switch in {
	case pb.Write_STATUS_WRITTEN:
		return sdk.Written
	case pb.Write_STATUS_UNCHANGED:
		return sdk.Unchanged
	case pb.Write_STATUS_FAILED:
		return sdk.Failed
	case pb.Write_STATUS_PRECONDITION_FAILED:
		return sdk.PreconditionFailed
	case pb.Write_STATUS_STAGED:
		return sdk.Staged
	case pb.Write_STATUS_UNSPECIFIED:
	}
	return 0
}
