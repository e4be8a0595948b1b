package sdk

// Plugin is everything one plugin binary offers.
type Plugin struct {
	// Name is the plugin's name: the binary is resource-sync-plugin-NAME.
	Name    string
	Version string

	Endpoints  []EndpointSpec
	Formatters []FormatterSpec
	Schemas    []SchemaSpec
}

// ProtocolVersion is the plugin protocol version this SDK speaks. The host
// and plugin agree on it when the plugin starts: a host refuses a plugin
// speaking another version, saying so.
const ProtocolVersion = 1
