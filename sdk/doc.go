// Package sdk is what a resource-sync plugin imports.
//
// A plugin is a separate binary named resource-sync-plugin-NAME that offers
// one or more components: endpoints (where resources live), formatters (how
// they are written down) and schemas (how an id, type, uri and links are
// found in a resource). The host starts the binary, talks gRPC to it over
// hashicorp/go-plugin, and moves data between components; components never
// call each other.
//
// Start with the component interfaces [Endpoint], [Formatter] and [Schema],
// gathered in a [Plugin] that the binary's main hands to package serve.
// Batching, limits, panics, logging and the wire protocol are the SDK's
// job: implementations see one document or one iterator at a time.
// Package sdktest holds the conformance kit every plugin should run;
// package schemakit helps write a schema.
package sdk
