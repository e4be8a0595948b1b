package fromproto

import (
	"github.com/resource-sync/resource-sync/sdk"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// Style is how an encoded value will be stored; an unknown style is one
// resource per file.
func Style(in pb.Encode_Style) sdk.Style {
	switch in {
	case pb.Encode_STYLE_STREAM:
		return sdk.StyleStream
	case pb.Encode_STYLE_FILE_UNSPECIFIED:
	}
	return sdk.StyleFile
}
