// Package bench measures resource-sync end to end against plain Go
// programs doing the same work in the same run:
//
//   - BenchmarkLocalDirToDir: a directory of YAML resources into a
//     directory of JSON files (LocalPlainConvert is the plain program);
//   - BenchmarkPull: a paginated HAL collection from `resource-sync serve`
//     into a directory of YAML files (plainPull);
//   - BenchmarkPush: a directory into an empty `serve` (plainPush), the
//     server storing on disk (server=disk: it fsyncs each resource, which
//     bounds both clients) and on tmpfs (server=tmpfs: the clients' own
//     cost);
//   - BenchmarkLocalResync: the same directory synced again into its
//     converted copy, writing nothing, against `resource-sync validate` of
//     the origin (reading it alone: validate keeps no versions) and a
//     plain program reading it. The files settle first and one untimed
//     re-sync keeps their versions (first-s); the timed ones list both
//     directories and read no file;
//   - BenchmarkRepush and BenchmarkDiff: a directory against a `serve`
//     already holding it (unchanged, or 1% changed), against the GETs
//     alone (plainGetAll: ratio) and against the whole job done by a
//     plain program (plainCompare: same-job-ratio). The files settle
//     first and one untimed run with an empty cache reads them all, and
//     every page (cold-s, cold-ratio); the timed ones read only the files
//     they write or show, and ask for each page with its ETag (a 304).
//
// The benchmarks' resource-sync runs keep their versions in a cache
// directory of their own, empty at the start.
//
// One command runs them all (about twenty minutes on two cores; drop -large
// for 10,000 resources only):
//
//	go test -run '^$' -bench . -benchtime 1x -timeout 60m ./bench/ -large
//
// The directory, pull, push, re-push and diff benchmarks run at 10,000
// resources of about 1 KiB (and 100,000 with -large); the directory, pull
// and push ones on disk (under the temporary directory) and on tmpfs
// (-tmpfs, default /dev/shm). Each run writes a new tree, and those on
// disk are removed only once every benchmark ended, as creating files
// soon after many were deleted is slow on some file systems (see
// medium); before and after each run, untimed, sync(2) writes back
// what is unsaved (the origin just generated, what the last run left),
// so that the run does not pay for it: resource-sync's syncfs would
// write it within its time, the plain program would not. The plain programs
// write each file with os.WriteFile: no temporary file and no fsync,
// which is what a hand-written program does and a floor for
// resource-sync, which keeps its durability (docs/guarantees.md). Both
// sides run as child processes, alternating which goes first, at least
// three times each at 10,000 resources (benchRuns); each reports rs-s/op
// and plain-s/op, their ratio (resource-sync / plain, lower is better),
// the same for CPU time (rs-cpu-s/op, plain-cpu-s/op, cpu-ratio: user
// and system over every process, steadier on a busy machine), and
// rs-peak-MiB and plain-peak-MiB, the peak RSS of the largest process
// (for resource-sync the host or the process of its plugins).
// BenchmarkPush counts the clients' CPU only: its server runs in the
// benchmark's process.
//
// $RESOURCE_SYNC_BENCH_BINARY measures a given resource-sync binary instead
// of building this tree's (to compare two versions), and
// $RESOURCE_SYNC_PLUGIN_CPUPROFILE=DIR makes every plugin process write
// its CPU profile into DIR.
//
// TestPlainMirrorsResourceSync and TestLocalPlainMirrorsResourceSync check
// on small data that the plain programs send the same requests and write
// the same bytes, so the ratios compare like with like.
package bench
