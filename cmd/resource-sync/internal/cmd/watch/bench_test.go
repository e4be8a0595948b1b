package watch

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// BenchmarkChangeLatency measures the time from a change in a directory
// origin to the end of the pass that wrote it to the destination
// directory: with file-system events (debounce 20ms), and with polling
// every 200ms (--file-events=false). Changes come at random moments, one
// at a time. Reported: p50 and p99 in milliseconds.
//
//	go test -run '^$' -bench ChangeLatency -benchtime=1x ./cmd/resource-sync/internal/cmd/watch/
func BenchmarkChangeLatency(b *testing.B) {
	const changes = 40
	for _, mode := range []struct {
		name string
		args []string
	}{
		{"fsnotify", []string{"--interval", "1h", "--debounce", "20ms"}},
		{"poll-200ms", []string{"--interval", "200ms", "--file-events=false"}},
	} {
		b.Run(mode.name, func(b *testing.B) {
			for b.Loop() {
				src, dst := b.TempDir(), filepath.Join(b.TempDir(), "out")
				files := map[string]string{}
				for i := range 100 {
					files[fmt.Sprintf("widget/w%02d.json", i)] = widget(fmt.Sprintf("w%02d", i), 0)
				}
				writeFiles(b, src, files)
				ctx, cancel := context.WithCancel(context.Background())
				w := runWatch(b, ctx, append(mode.args, "-q", "--json", src, dst)...)
				w.next(b)
				var latencies []time.Duration
				for i := range changes {
					time.Sleep(time.Duration(rand.Int64N(int64(200 * time.Millisecond))))
					w.drain()
					at := time.Now()
					writeFiles(b, src, map[string]string{"widget/w00.json": widget("w00", i+1)})
					for p := w.next(b); p.sum.Updated == 0; p = w.next(b) {
					}
					latencies = append(latencies, time.Since(at))
				}
				cancel()
				w.stop(b)
				slices.Sort(latencies)
				ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
				b.ReportMetric(ms(latencies[len(latencies)/2]), "p50-ms")
				b.ReportMetric(ms(latencies[len(latencies)*99/100]), "p99-ms")
			}
		})
	}
}
