package steppb

import (
	"context"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// ProtocolVersion is the version of the Step service described here.
const ProtocolVersion = 1

// Handshake is what cdflow and a plugin check before anything else: a
// program started without CDFLOW_PLUGIN=step is not being run by cdflow.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "CDFLOW_PLUGIN",
	MagicCookieValue: "step",
}

// PluginName is the name the Step service is dispensed under.
const PluginName = "step"

// GRPCPlugin is go-plugin's glue for the Step service, on both sides.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl StepServer // set on the plugin's side
}

// GRPCServer registers the implementation (the plugin's side).
func (p *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	RegisterStepServer(s, p.Impl)
	return nil
}

// GRPCClient returns a client of the service (cdflow's side).
func (p *GRPCPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return NewStepClient(c), nil
}
