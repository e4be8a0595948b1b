package fromproto

import (
	"github.com/resource-sync/resource-sync/sdk"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// Document is what an endpoint sent.
func Document(in *pb.Document) sdk.Document {
	if in == nil {
		return sdk.Document{}
	}
	return sdk.Document{
		Content:     in.GetContent(),
		MediaType:   in.GetMediaType(),
		Extension:   in.GetExtension(),
		Source:      in.GetSource(),
		URI:         in.GetUri(),
		TypeHint:    in.GetTypeHint(),
		Location:    in.GetLocation(),
		SingleValue: in.GetSingleValue(),
		Unchanged:   in.GetUnchanged(),
		ETag:        in.GetEtag(),
		Version:     in.GetVersion(),
		Memo:        in.GetMemo(),
	}
}

// Memos are the memos a host hands back.
func Memos(in []*pb.Memo) []sdk.Memo {
	out := make([]sdk.Memo, len(in))
	for i, m := range in {
		out[i] = sdk.Memo{URI: m.GetUri(), Memo: m.GetMemo()}
	}
	return out
}
