// Package http is the endpoint plugin for REST APIs over HTTP and HTTPS.
//
// As an origin it GETs the location, follows RFC 8288 Link rel="next"
// headers and the next pages a JSON page names where the schema says
// (sdk.OpenRequest.PageLinks) itself, unless follow is "none", and fetches
// the other uris the host finds in bodies through [Endpoint.Fetch], each
// uri at most once. As a destination it PUTs every resource at its uri's
// path on the destination host, optionally in PATCH batches, retrying
// idempotent requests.
//
// Options (all strings, see docs/architecture.md):
//
//	follow            none | page | child | all (default page); only "none"
//	                  changes what this plugin does: no next pages
//	limit             page size sent as X-Request-Limit (default 100)
//	concurrency       requests in flight (default 8)
//	batch-size        PATCH batch size, 1 = single PUTs (default 1)
//	max-attempts      attempts per idempotent request (default 3)
//	rate              requests per second across all workers, 0 = no cap
//	max-body          largest response body in bytes (default 64 MiB)
//	username/password HTTP basic auth (also taken from the location's userinfo)
//	token             bearer token; exclusive with username/password
//	header            extra request headers, one "Name: value" per line
//	allow-host        comma-separated hosts links may lead to ("api.example",
//	                  "10.0.0.2:8443"); they also receive credentials
//	ca-cert           PEM file of CAs trusted on top of the system roots
//	client-cert/-key  PEM files of a client certificate and its key
//	insecure          "true" skips TLS verification (logged as a warning)
//	keep-links        "true" keeps HAL _links/_embedded in written bodies
//	create-with-post  "true" POSTs to the collection when PUT answers 404/405
//
// Credentials (basic auth, bearer token and the extra headers) are added by
// the transport to each request, redirects included, only when that request
// goes to the location's host or an allow-host host. Secrets are replaced
// by "***" in every error and log line, including server messages that
// echo them.
//
// Documents carry the media type without parameters and, as TypeHint, the
// last path segment of their uri (GET /posts -> "posts"), for schemas
// whose resources name no type.
package http
