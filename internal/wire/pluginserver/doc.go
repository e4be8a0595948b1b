// Package pluginserver serves a plugin's components as the protocol's gRPC
// services: it converts every message with fromproto and toproto, batches
// streams, recovers panics, and runs each Write between a receiving and a
// sending goroutine. Plugin authors reach it through package serve; the
// conformance kit serves plugins in-process with [WithTest].
package pluginserver
