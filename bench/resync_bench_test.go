package bench

import (
	"fmt"
	"io/fs"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkLocalResync re-syncs a directory of YAML resources into the
// directory of JSON files it was already converted into, so that nothing
// is written: 10,000 resources (and 100,000 with -large), on disk and on
// tmpfs. It measures what a no-op sync costs beyond reading its origin.
//
// The destination's files are left to settle, and re-synced once before
// the timed runs: that first re-sync reads them all and keeps their
// versions (capability fingerprints); the timed ones read none of them.
// first-s, first-ratio (to read-s/op) and first-peak-MiB are that first
// re-sync's.
//
// ns/op is the re-sync's time. The metrics: rs-s/op (the re-sync),
// read-s/op (`resource-sync validate` of the origin: the same binary
// reading, decoding and classifying the origin alone) and ratio (re-sync
// / read); plain-read-s/op (localPlainRead, a plain program reading the
// origin with the same libraries) and plain-ratio; rs-peak-MiB.
func BenchmarkLocalResync(b *testing.B) {
	rs := localBuild(b)
	for _, n := range benchSizes() {
		for _, medium := range benchMedia(b) {
			b.Run(fmt.Sprintf("n=%d/%s", n, medium.name), func(b *testing.B) {
				work := medium.dir(b)
				src, dst := filepath.Join(work, "src"), filepath.Join(work, "dst")
				if err := LocalGenerate(src, n); err != nil {
					b.Fatal(err)
				}
				localRun(b, localSyncCmd(rs, work, src, dst), n)
				converted := time.Now()
				// A file gets a version two seconds after its last change
				// (plugins/dir, settle). The first re-sync after that reads
				// every file and keeps their versions; the next ones list
				// the versions and read no file: they are what is timed.
				time.Sleep(2100 * time.Millisecond)
				first := localRun(b, localSyncCmd(rs, work, src, dst), n)
				var resync, read, plain usage
				b.ResetTimer()
				for i := range b.N {
					// Rotate who goes first, so none always finds the page
					// cache warmer.
					for k := range 3 {
						switch (i + k) % 3 {
						case 0:
							b.StartTimer()
							resync.add(localRun(b, localSyncCmd(rs, work, src, dst), n))
							b.StopTimer()
						case 1:
							read.add(localRun(b, localValidateCmd(rs, work, src), n))
						case 2:
							plain.add(localRun(b, localPlainReadCmd(b, src), n))
						}
					}
				}
				b.StopTimer()
				if changed := writtenSince(b, dst, converted); changed > 0 {
					b.Fatalf("the re-sync wrote %d files; it should write none", changed)
				}
				N := float64(b.N)
				b.ReportMetric(resync.wall.Seconds()/N, "rs-s/op")
				b.ReportMetric(read.wall.Seconds()/N, "read-s/op")
				b.ReportMetric(resync.wall.Seconds()/read.wall.Seconds(), "ratio")
				b.ReportMetric(plain.wall.Seconds()/N, "plain-read-s/op")
				b.ReportMetric(resync.wall.Seconds()/plain.wall.Seconds(), "plain-ratio")
				b.ReportMetric(float64(resync.peakKiB)/1024, "rs-peak-MiB")
				b.ReportMetric(first.wall.Seconds(), "first-s")
				b.ReportMetric(first.wall.Seconds()/(read.wall.Seconds()/N), "first-ratio")
				b.ReportMetric(float64(first.peakKiB)/1024, "first-peak-MiB")
			})
		}
	}
}

// localValidateCmd reads, decodes and classifies src with resource-sync,
// writing nothing.
func localValidateCmd(rs, work, src string) *exec.Cmd {
	cmd := localSyncCmd(rs, work, src, "")
	cmd.Args = []string{rs, "validate", "-q", src}
	return cmd
}

// envLocalPlainRead makes this test binary run localPlainRead of
// $envLocalPlainRead instead of the tests, and print how many resources
// it read (runChild).
const envLocalPlainRead = "RESOURCE_SYNC_BENCH_LOCAL_PLAIN_READ"

func init() {
	runChild(envLocalPlainRead, func(src string) (int, error) {
		resources, err := localPlainRead(src)
		return len(resources), err
	})
}

func localPlainReadCmd(tb testing.TB, src string) *exec.Cmd {
	return childCmd(tb, envLocalPlainRead+"="+src)
}

// writtenSince counts the files below dir modified after t.
func writtenSince(tb testing.TB, dir string, t time.Time) int {
	tb.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil && info.ModTime().After(t) {
			n++
		}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return n
}
