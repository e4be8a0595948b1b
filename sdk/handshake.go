package sdk

import (
	"context"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// ProtocolVersion is the plugin protocol version this SDK speaks. The host
// and plugin agree on it in go-plugin's handshake.
const ProtocolVersion = 1

// Handshake is shared by the host and every plugin. The cookie only keeps a
// plugin binary from being started by hand; it is not a secret.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "RESOURCE_SYNC_PLUGIN",
	MagicCookieValue: "a2f5c9e1-resource-sync",
}

// PluginKey is the name of the single go-plugin plugin a binary serves; all
// components are gRPC services on it.
const PluginKey = "resourcesync"

// GRPCPlugin adapts a Plugin to go-plugin. The host uses it with a nil
// Plugin to get the raw connection; plugin authors never need it.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Plugin *Plugin
}

// GRPCServer registers the plugin's services.
func (p *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	register(s, p.Plugin)
	return nil
}

// GRPCClient returns the connection itself: the host speaks the generated
// protocol clients directly.
func (p *GRPCPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return c, nil
}

// PluginSet is what go-plugin serves and dispenses, by protocol version.
func PluginSet(p *Plugin) map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{
		ProtocolVersion: {PluginKey: &GRPCPlugin{Plugin: p}},
	}
}
