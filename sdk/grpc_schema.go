package sdk

import (
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

type schemaServer struct {
	pb.UnimplementedSchemaServer
	plugin  string
	schemas map[string]Schema
}

func newSchemaServer(p *Plugin) *schemaServer {
	s := &schemaServer{plugin: p.Name, schemas: map[string]Schema{}}
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
		mode := followFromProto(req.GetFollow())
		withOptions, takesOptions := sc.(SchemaWithOptions)
		resp := &pb.Classify_Response{Results: make([]*pb.Classify_Result, len(req.GetValues()))}
		for i, v := range req.GetValues() {
			var c Classified
			err := guard(s.plugin, func() (err error) {
				if takesOptions {
					c, err = withOptions.ClassifyWithOptions(valueFromProto(v), mode, req.GetOptions())
				} else {
					c, err = sc.Classify(valueFromProto(v), mode)
				}
				return err
			})
			r := &pb.Classify_Result{Links: c.Links, Aliases: c.Aliases, Error: diagnostic(err)}
			for _, res := range c.Resources {
				r.Resources = append(r.Resources, resourceToProto(res))
			}
			resp.Results[i] = r
		}
		return resp, nil
	})
}

func followFromProto(f pb.Follow) Follow {
	switch f {
	case pb.Follow_FOLLOW_NONE:
		return FollowNone
	case pb.Follow_FOLLOW_CHILD:
		return FollowChild
	case pb.Follow_FOLLOW_ALL:
		return FollowAll
	}
	return FollowPage
}
