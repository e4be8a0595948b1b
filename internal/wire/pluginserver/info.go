package pluginserver

import (
	"context"

	"github.com/resource-sync/resource-sync/internal/wire/toproto"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

type infoServer struct {
	pb.UnimplementedPluginInfoServer
	plugin sdk.Plugin
}

func (s *infoServer) Describe(context.Context, *pb.Describe_Request) (*pb.Describe_Response, error) {
	return toproto.Describe_Response(s.plugin), nil
}
