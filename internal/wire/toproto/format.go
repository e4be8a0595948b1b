package toproto

import (
	"github.com/resource-sync/resource-sync/sdk"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// Decode_Result is the values decoded from one document, or why it could
// not be decoded.
func Decode_Result(values []sdk.Value, err error) *pb.Decode_Result {
	return &pb.Decode_Result{Values: Values(values), Error: Diagnostic(err)}
}

// Encode_Result is one encoded value, or why it could not be encoded.
func Encode_Result(content []byte, err error) *pb.Encode_Result {
	return &pb.Encode_Result{Content: content, Error: Diagnostic(err)}
}

// Encode_Style is how an encoded value will be stored; an unknown style
// is one resource per file.
func Encode_Style(in sdk.Style) pb.Encode_Style {
	switch in {
	case sdk.StyleStream:
		return pb.Encode_STYLE_STREAM
	case sdk.StyleFile:
	}
	return pb.Encode_STYLE_FILE_UNSPECIFIED
}

// FormatInfo describes an installed formatter.
func FormatInfo(in sdk.FormatInfo) *pb.FormatInfo {
	return &pb.FormatInfo{Name: in.Name, Extensions: in.Extensions, MediaTypes: in.MediaTypes}
}
