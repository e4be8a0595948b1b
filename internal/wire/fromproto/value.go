package fromproto

import (
	"github.com/resource-sync/resource-sync/sdk"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// Value is one decoded value.
func Value(in *pb.Value) sdk.Value {
	if in == nil {
		return sdk.Value{}
	}
	return sdk.Value{
		JSON:     in.GetJson(),
		Source:   in.GetSource(),
		Line:     int(in.GetLine()),
		URI:      in.GetUri(),
		TypeHint: in.GetTypeHint(),
		Location: in.GetLocation(),
	}
}
