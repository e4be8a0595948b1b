// Package faults is resource-sync's fault-injection suite; it has no code
// of its own, only tests (faults_test.go).
//
// The suite kills, at seeded random points of a pull (API -> directory), a
// push (directory -> API) and a --delete sync (directory -> directory and
// -> API), the resource-sync process (kill -9), each plugin process
// (kill -9) and the loopback server (closed, then restarted on the same
// data), and checks after each kill, and after a rerun, the guarantees of
// docs/guarantees.md ("Faults"): nothing torn, nothing removed that was
// not stale, nothing leaked, a summary that matches what happened.
//
// Every process is real: the test binary re-executes itself as
// resource-sync, and that re-executes itself as each built-in plugin, as
// the installed binary does. A failure names the seed; rerun with
//
//	go test ./cmd/resource-sync/internal/faults -run TestFaults -seed N
package faults
