package sync

import (
	"strings"

	"github.com/resource-sync/resource-sync/host"
)

// endpointOptionDecls are the built-in http endpoint's options.
//
// Interim: until endpoints declare their options in their manifest, the
// CLI lists the http plugin's and gives them to http(s) locations only.
var endpointOptionDecls = []host.OptionDecl{
	{Name: "username", Type: host.OptionString, Credential: true, Help: "HTTP basic auth user; the password comes from $" + EnvPassword + " or a prompt"},
	{Name: "password", Type: host.OptionString, Credential: true, Secret: true, Help: "HTTP basic auth password; without it, $" + EnvPassword + " or a prompt"},
	{Name: "token", Type: host.OptionString, Credential: true, Secret: true, Env: EnvToken, Help: "HTTP bearer token"},
	{Name: "header", Type: host.OptionList, Credential: true, Secret: true, Help: "extra HTTP header 'Name: value'"},
	{Name: "allow-host", Type: host.OptionList, Credential: true, Help: "also follow links to this host; credentials are sent there too"},
	{Name: "batch-size", Type: host.OptionInt, Min: "1", Default: "1", Help: "PATCH up to N consecutive resources of a type at once, when the API allows PATCH"},
	{Name: "limit", Type: host.OptionInt, Min: "1", Default: "100", Help: "page size asked for, as X-Request-Limit"},
	{Name: "max-attempts", Type: host.OptionInt, Min: "1", Default: "3", Help: "attempts per idempotent HTTP request"},
	{Name: "concurrency", Type: host.OptionInt, Min: "1", Default: "8", Help: "HTTP requests in flight"},
	{Name: "rate", Type: host.OptionFloat, Min: "0", Help: "at most this many HTTP requests per second (0: no cap)"},
	{Name: "ca-cert", Type: host.OptionString, Credential: true, Help: "PEM file of extra CAs to trust for HTTPS"},
	{Name: "client-cert", Type: host.OptionString, Credential: true, Help: "PEM client certificate for HTTPS"},
	{Name: "client-key", Type: host.OptionString, Credential: true, Help: "PEM key of --client-cert"},
	{Name: "insecure", Type: host.OptionBool, Credential: true, Help: "do not verify HTTPS certificates (dangerous)"},
	{Name: "keep-links", Type: host.OptionBool, Help: "send HAL _links and _embedded in bodies written to HTTP"},
	{Name: "create-with-post", Type: host.OptionBool, Help: "when PUT answers 404 or 405, POST to the collection instead"},
}

func declaredFor(spec string) []host.OptionDecl {
	scheme, _, ok := strings.Cut(spec, "://")
	if ok && (strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https")) {
		return endpointOptionDecls
	}
	return nil
}
