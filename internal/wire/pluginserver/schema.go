package pluginserver

import (
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/resource-sync/resource-sync/internal/wire/fromproto"
	"github.com/resource-sync/resource-sync/internal/wire/toproto"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

type schemaServer struct {
	pb.UnimplementedSchemaServer
	plugin  string
	schemas map[string]sdk.Schema
}

func newSchemaServer(p sdk.Plugin) *schemaServer {
	s := &schemaServer{plugin: p.Name, schemas: map[string]sdk.Schema{}}
	for _, sc := range p.Schemas {
		s.schemas[sc.Name] = sc.Schema
	}
	return s
}

func (s *schemaServer) Classify(stream grpc.BidiStreamingServer[pb.Classify_Request, pb.Classify_Response]) error {
	return serveBatches(stream, func(req *pb.Classify_Request) (*pb.Classify_Response, error) {
		sc, ok := s.schemas[req.GetSchema()]
		if !ok {
			return nil, status.Errorf(codes.NotFound, "plugin %s has no schema %q", s.plugin, req.GetSchema())
		}
		mode := fromproto.Follow(req.GetFollow())
		withOptions, takesOptions := sc.(sdk.SchemaWithOptions)
		resp := &pb.Classify_Response{Results: make([]*pb.Classify_Result, len(req.GetValues()))}
		for i, v := range req.GetValues() {
			var c sdk.Classified
			err := guard(s.plugin, func() (err error) {
				if takesOptions {
					c, err = withOptions.ClassifyWithOptions(fromproto.Value(v), mode, req.GetOptions())
				} else {
					c, err = sc.Classify(fromproto.Value(v), mode)
				}
				return err
			})
			resp.Results[i] = toproto.Classify_Result(c, err)
			if req.GetAcceptsSpans() && err == nil {
				toproto.Spans(v.GetJson(), c, resp.Results[i])
			}
		}
		return resp, nil
	})
}
