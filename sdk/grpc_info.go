package sdk

import (
	"context"
	"reflect"

	"google.golang.org/grpc"

	"github.com/resource-sync/resource-sync/internal/batch"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// register puts every service of p on s.
func register(s *grpc.Server, p *Plugin) {
	pb.RegisterPluginInfoServer(s, &infoServer{plugin: p})
	pb.RegisterFormatterServer(s, newFormatterServer(p))
	pb.RegisterSchemaServer(s, newSchemaServer(p))
	pb.RegisterEndpointServer(s, newEndpointServer(p))
}

type infoServer struct {
	pb.UnimplementedPluginInfoServer
	plugin *Plugin
}

func (s *infoServer) Describe(context.Context, *pb.Describe_Request) (*pb.Describe_Response, error) {
	return Describe(s.plugin), nil
}

// Describe is what p answers to the host's Describe call. Hosts that embed
// a plugin use it to know the plugin without starting it.
func Describe(p *Plugin) *pb.Describe_Response {
	resp := &pb.Describe_Response{
		Name:            p.Name,
		Version:         p.Version,
		ProtocolVersion: ProtocolVersion,
		Limits:          &pb.Limits{MaxMessageBytes: batch.MaxMessageBytes, MaxBatchItems: batch.MaxItems},
	}
	for _, e := range p.Endpoints {
		resp.Components = append(resp.Components, &pb.Component{
			Kind: pb.Component_KIND_ENDPOINT, Name: e.Name, Summary: e.Summary,
			Schemes: e.Schemes, PathPatterns: e.PathPatterns, Directories: e.Directories,
			DefaultFormat: e.DefaultFormat,
			OpaqueSchemes: e.OpaqueSchemes,
			Capabilities:  endpointCapabilities(e),
			Options:       optionDecls(e),
		})
	}
	for _, f := range p.Formatters {
		resp.Components = append(resp.Components, &pb.Component{
			Kind: pb.Component_KIND_FORMATTER, Name: f.Name, Summary: f.Summary,
			Extensions: f.Extensions, MediaTypes: f.MediaTypes,
		})
	}
	for _, s := range p.Schemas {
		resp.Components = append(resp.Components, &pb.Component{
			Kind: pb.Component_KIND_SCHEMA, Name: s.Name, Summary: s.Summary,
		})
	}
	return resp
}

// endpointCapabilities derives capabilities from the interfaces the
// endpoint type implements, so a declaration cannot drift from the code.
func endpointCapabilities(e EndpointSpec) []pb.Capability {
	var caps []pb.Capability
	impl := e.Implements
	if impl == nil || reflect.ValueOf(impl).Kind() == reflect.Invalid {
		return caps
	}
	if _, ok := impl.(Reader); ok {
		caps = append(caps, pb.Capability_CAPABILITY_READ)
	}
	if _, ok := impl.(Fetcher); ok {
		caps = append(caps, pb.Capability_CAPABILITY_FETCH)
	}
	if _, ok := impl.(Writer); ok {
		caps = append(caps, pb.Capability_CAPABILITY_WRITE)
	}
	if _, ok := impl.(Deleter); ok {
		caps = append(caps, pb.Capability_CAPABILITY_DELETE)
	}
	if _, ok := impl.(Inventorier); ok {
		caps = append(caps, pb.Capability_CAPABILITY_INVENTORY)
	}
	if e.CompareBeforeWrite {
		caps = append(caps, pb.Capability_CAPABILITY_COMPARE_BEFORE_WRITE)
	}
	if e.Replaces {
		caps = append(caps, pb.Capability_CAPABILITY_REPLACE)
	}
	if e.ConcurrentWrites {
		caps = append(caps, pb.Capability_CAPABILITY_CONCURRENT_WRITES)
	}
	if e.ConditionalReads {
		caps = append(caps, pb.Capability_CAPABILITY_CONDITIONAL_READ)
	}
	if e.ConditionalWrite {
		caps = append(caps, pb.Capability_CAPABILITY_CONDITIONAL_WRITE)
	}
	if _, ok := impl.(Changer); ok {
		caps = append(caps, pb.Capability_CAPABILITY_CHANGES)
	}
	return caps
}
