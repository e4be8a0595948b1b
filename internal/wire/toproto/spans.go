package toproto

import (
	"unsafe"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

// Spans replaces, in out (converted from c, classified from value), the
// JSON of each resource that is a slice of value by its span: the host
// holds value, and is spared its bytes coming back
// (Classify.Request.accepts_spans).
func Spans(value []byte, c sdk.Classified, out *pb.Classify_Result) {
	for k, r := range c.Resources {
		if start, ok := within(value, r.JSON); ok && k < len(out.Resources) {
			out.Resources[k].Json = nil
			out.Resources[k].JsonSpan = &pb.Span{Start: int64(start), End: int64(start + len(r.JSON))}
		}
	}
}

// within reports where b lies in buf, when it is a slice of it.
func within(buf, b []byte) (start int, ok bool) {
	if len(b) == 0 || len(b) > len(buf) {
		return 0, false
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	if p < lo || p-lo > uintptr(len(buf)-len(b)) {
		return 0, false
	}
	return int(p - lo), true
}
