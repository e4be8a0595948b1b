package toproto

import (
	"github.com/resource-sync/resource-sync/sdk"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// Document is what an endpoint read.
func Document(in sdk.Document) *pb.Document {
	return &pb.Document{
		Content:     in.Content,
		MediaType:   in.MediaType,
		Extension:   in.Extension,
		Source:      in.Source,
		Uri:         in.URI,
		TypeHint:    in.TypeHint,
		Location:    in.Location,
		SingleValue: in.SingleValue,
		Unchanged:   in.Unchanged,
		Etag:        in.ETag,
		Version:     in.Version,
		Memo:        in.Memo,
	}
}
