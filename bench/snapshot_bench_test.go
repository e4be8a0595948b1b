package bench

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/resource-sync/resource-sync/plugins/yaml"
	"github.com/resource-sync/resource-sync/sdk"
)

const (
	snapshotDays    = 30
	snapshotChanged = benchResources / 100 // 1% a day
	snapshotRuns    = 8                    // timed unchanged snapshots, and as many reads (even)
)

// BenchmarkSnapshots takes 30 daily snapshots of 10,000 resources of about
// 1 KiB (a directory tree, as a pull leaves it) with 1% of them changed
// each day, then times a snapshot of an unchanged day against reading the
// same origin into null, alternating the two:
//
//	go test -run '^$' -bench Snapshots -benchtime 1x ./bench/
//
// It reports the store's size against one full snapshot plus the changed
// resources (size-ratio; the goal is at most 1.5), in bytes and in disk
// blocks, and the unchanged snapshot's time against the read (time-ratio,
// the median of 8 alternating pairs; the goal is at most 1.3).
func BenchmarkSnapshots(b *testing.B) {
	resourceSync(b) // build it before the clock matters
	for range b.N {
		work := benchDir(b)
		origin, storeDir := filepath.Join(work, "origin"), filepath.Join(work, "store")
		for i := range benchResources {
			writeSnapshotOrder(b, origin, i, 0)
		}
		runResourceSync(b, "-q", origin, "snapshot:"+storeDir)
		full := storeSize(b, storeDir)

		var changed int64
		for day := 1; day < snapshotDays; day++ {
			for k := range snapshotChanged {
				changed += writeSnapshotOrder(b, origin, (day*7919+k*97)%benchResources, day)
			}
			runResourceSync(b, "-q", origin, "snapshot:"+storeDir)
		}
		total := storeSize(b, storeDir)
		bytesRatio := float64(total.bytes) / float64(full.bytes+changed)
		// A changed resource costs at least one block on disk.
		blocksRatio := float64(total.blocks) / float64(full.blocks+int64(snapshotChanged*(snapshotDays-1))*full.blocks/int64(full.files))

		// Pairs in alternating order; the median of the pairs' ratios
		// resists the noise of a shared machine better than a sum.
		var snap, read time.Duration
		ratios := make([]float64, snapshotRuns)
		for run := range snapshotRuns {
			var s, r time.Duration
			snapshotRun := func() { s = timed(func() { runResourceSync(b, "-q", origin, "snapshot:"+storeDir) }) }
			readRun := func() { r = timed(func() { runResourceSync(b, "-q", origin, "null") }) }
			if run%2 == 0 {
				snapshotRun()
				readRun()
			} else {
				readRun()
				snapshotRun()
			}
			snap, read = snap+s, read+r
			ratios[run] = float64(s) / float64(r)
		}
		slices.Sort(ratios)
		median := (ratios[snapshotRuns/2-1] + ratios[snapshotRuns/2]) / 2
		b.ReportMetric(bytesRatio, "size-ratio")
		b.ReportMetric(blocksRatio, "block-ratio")
		b.ReportMetric(median, "time-ratio")
		b.Logf("one full snapshot %d bytes (%d files); %d days of changes %d bytes; store after %d snapshots %d bytes (%d files): %.2fx bytes, %.2fx disk blocks",
			full.bytes, full.files, snapshotDays-1, changed, snapshotDays, total.bytes, total.files, bytesRatio, blocksRatio)
		b.Logf("unchanged snapshot %v, reading the origin into null %v (means of %d); ratio of the sums %.2fx, median of the pairs' ratios %.2fx (from %.2f to %.2f)",
			snap/snapshotRuns, read/snapshotRuns, snapshotRuns, float64(snap)/float64(read), median, ratios[0], ratios[snapshotRuns-1])
	}
}

// writeSnapshotOrder writes order i as of revision rev, as a pull writes
// it, and returns the size of its canonical JSON (what a snapshot stores).
func writeSnapshotOrder(tb testing.TB, dir string, i, rev int) int64 {
	tb.Helper()
	id := fmt.Sprintf("o%05d", i)
	canon, err := sdk.MarshalCanonical(map[string]any{
		"_links":   map[string]any{"self": map[string]any{"href": "http://localhost" + collectionPath + "/" + id}},
		"id":       id,
		"customer": fmt.Sprintf("c%04d", i%1000),
		"status":   []string{"placed", "paid", "shipped"}[(i+rev)%3],
		"revision": rev,
		"total":    json.Number(fmt.Sprintf("%d.%02d", i%500, i%100)),
		"lines":    []any{map[string]any{"sku": "BOOK-" + id, "quantity": 1 + i%4}},
		"note":     strings.Repeat("Resources of about one kibibyte, as an API would serve them. ", 12),
	})
	if err != nil {
		tb.Fatal(err)
	}
	content, err := yaml.Formatter{}.Encode(sdk.Value{JSON: canon}, sdk.StyleFile)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "order"), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "order", id+".yaml"), content, 0o644); err != nil {
		tb.Fatal(err)
	}
	return int64(len(canon))
}

type size struct{ bytes, blocks, files int64 }

// storeSize adds up the blobs and manifests of a store: bytes, and 512-byte
// blocks allocated on disk.
func storeSize(tb testing.TB, dir string) size {
	tb.Helper()
	var s size
	for _, sub := range []string{"blobs", "manifests"} {
		err := filepath.WalkDir(filepath.Join(dir, sub), func(_ string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			s.files++
			s.bytes += info.Size()
			s.blocks += diskBlocks(info)
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return s
}
