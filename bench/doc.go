// Package bench measures resource-sync end to end against `resource-sync
// serve` on loopback, next to a plain Go HTTP client doing the same
// requests at the same concurrency in the same run:
//
//	go test -run '^$' -bench . -benchtime 4x ./bench/
//
// Each iteration runs both, alternating which goes first (use an even
// count). Each benchmark reports the throughput of both, in resources per second,
// and their ratio (resource-sync / plain). resource-sync is the real
// binary, built once per run, with its plugins in their own processes.
// TestPlainMirrorsResourceSync checks, on a small dataset, that the plain
// client sends the same requests and writes the same bytes, so the ratio
// compares like with like.
package bench
