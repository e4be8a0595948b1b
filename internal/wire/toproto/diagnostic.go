package toproto

import (
	"errors"

	"github.com/resource-sync/resource-sync/sdk"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// Diagnostic is an error as the user will see it: an *sdk.Error keeps its
// source, line and flags, any other error becomes its message; nil for
// nil.
func Diagnostic(err error) *pb.Diagnostic {
	if err == nil {
		return nil
	}
	var e *sdk.Error
	if errors.As(err, &e) {
		return &pb.Diagnostic{Summary: validUTF8(e.Msg), Source: validUTF8(e.Source), Line: int32(e.Line),
			Warning: e.Warning, Incomplete: e.Incomplete}
	}
	return &pb.Diagnostic{Summary: validUTF8(err.Error())}
}
