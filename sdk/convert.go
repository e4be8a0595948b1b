package sdk

import (
	"errors"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// Conversions between the SDK's Go types and the wire types. They stay
// unexported so plugin authors never see generated code.

func documentToProto(d Document) *pb.Document {
	return &pb.Document{Content: d.Content, MediaType: d.MediaType, Extension: d.Extension,
		Source: d.Source, Uri: d.URI, TypeHint: d.TypeHint, Location: d.Location, Unchanged: d.Unchanged, Etag: d.ETag}
}

func documentFromProto(d *pb.Document) Document {
	return Document{Content: d.GetContent(), MediaType: d.GetMediaType(), Extension: d.GetExtension(),
		Source: d.GetSource(), URI: d.GetUri(), TypeHint: d.GetTypeHint(), Location: d.GetLocation(),
		Unchanged: d.GetUnchanged(), ETag: d.GetEtag()}
}

func valueToProto(v Value) *pb.Value {
	return &pb.Value{Json: v.JSON, Source: v.Source, Line: int32(v.Line), Uri: v.URI,
		TypeHint: v.TypeHint, Location: v.Location}
}

func valueFromProto(v *pb.Value) Value {
	return Value{JSON: v.GetJson(), Source: v.GetSource(), Line: int(v.GetLine()), URI: v.GetUri(),
		TypeHint: v.GetTypeHint(), Location: v.GetLocation()}
}

func resourceToProto(r Resource) *pb.Resource {
	return &pb.Resource{Id: r.ID, Type: r.Type, Uri: r.URI, Parents: r.Parents, Json: r.JSON,
		Source: r.Source, Line: int32(r.Line), Location: r.Location, Etag: r.ETag}
}

func resourceFromProto(r *pb.Resource) Resource {
	return Resource{ID: r.GetId(), Type: r.GetType(), URI: r.GetUri(), Parents: r.GetParents(),
		JSON: r.GetJson(), Source: r.GetSource(), Line: int(r.GetLine()), Location: r.GetLocation(), ETag: r.GetEtag()}
}

func writeItemFromProto(w *pb.WriteItem) WriteItem {
	return WriteItem{Seq: w.GetSeq(), Resource: resourceFromProto(w.GetResource()), Content: w.GetContent(),
		Extension: w.GetExtension(), MediaType: w.GetMediaType(), Unchanged: w.GetUnchanged(),
		ExistingLocation: w.GetExistingLocation(), IfMatch: w.GetIfMatch(), IfNoneMatch: w.GetIfNoneMatch()}
}

func writeResultToProto(r WriteResult) *pb.Write_Result {
	out := &pb.Write_Result{Seq: r.Seq, Status: pb.Write_Status(r.Status), Etag: r.ETag, Uri: r.URI}
	if r.Err != nil {
		out.Error = diagnostic(r.Err)
	}
	return out
}

func changeToProto(c Change) *pb.Change {
	return &pb.Change{Id: c.ID, Type: c.Type, Uri: c.URI, Updated: c.Updated, Fingerprint: c.Fingerprint,
		Etag: c.ETag, Deleted: c.Deleted}
}

func formatInfoFromProto(fs []*pb.FormatInfo) []FormatInfo {
	out := make([]FormatInfo, len(fs))
	for i, f := range fs {
		out[i] = FormatInfo{Name: f.GetName(), Extensions: f.GetExtensions(), MediaTypes: f.GetMediaTypes()}
	}
	return out
}

// diagnostic turns an error into a user-facing diagnostic, keeping the
// source and line of an *Error.
func diagnostic(err error) *pb.Diagnostic {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return &pb.Diagnostic{Summary: validUTF8(e.Msg), Source: validUTF8(e.Source), Line: int32(e.Line),
			Warning: e.Warning, Incomplete: e.Incomplete}
	}
	return &pb.Diagnostic{Summary: validUTF8(err.Error())}
}

// DiagnosticError turns a wire diagnostic back into an *Error; nil for nil.
// The host uses it; plugin authors do not need it.
func DiagnosticError(d *pb.Diagnostic) error {
	if d == nil {
		return nil
	}
	return &Error{Source: d.GetSource(), Line: int(d.GetLine()), Msg: d.GetSummary(),
		Warning: d.GetWarning(), Incomplete: d.GetIncomplete()}
}
