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
