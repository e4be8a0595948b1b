package fromproto

import (
	"github.com/resource-sync/resource-sync/sdk"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// Error is a diagnostic as the *sdk.Error the user sees, with its source,
// line and flags; nil for nil.
func Error(in *pb.Diagnostic) *sdk.Error {
	if in == nil {
		return nil
	}
	return &sdk.Error{
		Source:     in.GetSource(),
		Line:       int(in.GetLine()),
		Msg:        in.GetSummary(),
		Warning:    in.GetWarning(),
		Incomplete: in.GetIncomplete(),
	}
}
