package fromproto

import (
	"fmt"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// ResolveSpans gives each resource of resp sent as a span of its value
// (Resource.json_span) its JSON, a slice of that value's, which it then
// shares. values are those of the request resp answers, one per result.
func ResolveSpans(values []*pb.Value, resp *pb.Classify_Response) error {
	for i, res := range resp.GetResults() {
		for _, r := range res.GetResources() {
			sp := r.GetJsonSpan()
			if sp == nil {
				continue
			}
			if i >= len(values) {
				return fmt.Errorf("sent a span for value %d of %d", i+1, len(values))
			}
			data := values[i].GetJson()
			start, end := sp.GetStart(), sp.GetEnd()
			if start < 0 || end < start || end > int64(len(data)) || len(r.GetJson()) > 0 {
				return fmt.Errorf("sent resource %q as bytes %d to %d of a value of %d bytes", r.GetId(), start, end, len(data))
			}
			r.Json, r.JsonSpan = data[start:end:end], nil
		}
	}
	return nil
}
