package sdk

// Serve runs p as a plugin: it answers the host's handshake on stdout and
// serves gRPC until the host goes away. Call it from main and nothing else:
// anything printed to stdout before Serve breaks the handshake.
func Serve(p Plugin, opts ...ServeOpt) {
	panic("not yet")
}

// ServeOpt configures Serve.
type ServeOpt func(*serveConfig)

type serveConfig struct{}
