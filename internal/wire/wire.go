// Package wire is what the host, the SDK's plugin server and the
// conformance kit share about the plugin protocol's transport: go-plugin's
// handshake, the one plugin key every binary serves, and the environment
// a host passes its plugins. Plugin authors never see it: package sdk
// hides it, and package serve runs it.
//
// The conversions between the SDK's Go types and the generated protocol
// types are in the subpackages fromproto and toproto, one file per
// concept; the gRPC services that wrap a plugin's components are in
// pluginserver.
package wire

import (
	"context"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// ProtocolVersion is the plugin protocol version spoken here; it equals
// sdk.ProtocolVersion (checked by a test), which authors see.
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

// EnvLogLevel carries the host's log level to its plugins.
const EnvLogLevel = "RESOURCE_SYNC_PLUGIN_LOG_LEVEL"

// grpcPlugin adapts the protocol's services to go-plugin. On the host side
// (register nil) it hands out the raw connection: the host speaks the
// generated protocol clients directly.
type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	register func(*grpc.Server)
}

func (p *grpcPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	p.register(s)
	return nil
}

func (p *grpcPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return c, nil
}

// PluginSet is what go-plugin serves and dispenses, by protocol version:
// register puts a plugin's services on its gRPC server; a host passes nil.
func PluginSet(register func(*grpc.Server)) map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{
		ProtocolVersion: {PluginKey: &grpcPlugin{register: register}},
	}
}
