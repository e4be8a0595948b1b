// Package sdktest is the conformance kit every resource-sync endpoint,
// formatter and schema plugin runs from a small test file
// ([RunEndpoint], [RunFormatter], [RunSchema]; [FuzzSchema] fuzzes a
// schema):
//
//	func TestMain(m *testing.M) { sdktest.Main(m, toml.Plugin()) }
//
//	func TestConformance(t *testing.T) {
//		sdktest.RunFormatter(t, sdktest.FormatterOpt{Plugin: toml.Plugin(), Name: "toml"})
//	}
//
// Every check runs twice, as the subtests InProcess and Process. InProcess
// serves the plugin inside the test binary (go-plugin's test mode), so
// coverage and debuggers work while calls still cross real gRPC. Process
// starts the test binary again as a real plugin process, as the host would;
// it needs [Main] in TestMain and is skipped, saying so, without it.
//
// The checks talk to the plugin the way the host does, through the wire
// protocol, and skip what a plugin declares it cannot do (an endpoint
// without the delete capability skips Delete). Options named Skip... are
// escape hatches for what a format or a location genuinely cannot hold;
// use them sparingly and say why in the test.
package sdktest
