package http

import "github.com/resource-sync/resource-sync/sdk"

// Version is the plugin's version, also sent in the User-Agent.
const Version = "1.0.0"

// Spec registers the http endpoint kind.
func Spec() sdk.EndpointSpec {
	return sdk.EndpointSpec{
		Name:             "http",
		Summary:          "REST APIs over HTTP and HTTPS",
		Schemes:          []string{"http", "https"},
		ConcurrentWrites: true,
		ConditionalReads: true,
		// If-Match and If-None-Match when the host asks (bisync).
		ConditionalWrite: true,
		// APIs speak JSON unless the user says otherwise (--yaml, --format).
		DefaultFormat: "json",
		Open:          Open,
		Implements:    (*Endpoint)(nil),
		Options:       (*Options)(nil),
	}
}

// Plugin is everything the resource-sync-plugin-http binary offers.
func Plugin() sdk.Plugin {
	return sdk.Plugin{
		Name:      "http",
		Version:   Version,
		Endpoints: []sdk.EndpointSpec{Spec()},
	}
}
