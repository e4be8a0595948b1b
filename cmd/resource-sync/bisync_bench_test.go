package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cli"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/iostreams"
)

// Benchmarks of bisync, reported as ratios (see docs/bisync.md):
//
//	go test -run '^$' -bench Bisync -benchtime 1x ./cmd/resource-sync

// runB runs the command line in process and fails unless it exits with
// one of the codes given (0 when none).
func runB(b *testing.B, codes []int, args ...string) time.Duration {
	b.Helper()
	ios, _, _, errOut := iostreams.Test()
	start := time.Now()
	code := cli.Run(b.Context(), cli.NewFactory(ios), args)
	took := time.Since(start)
	if len(codes) == 0 {
		codes = []int{0}
	}
	for _, c := range codes {
		if c == code {
			return took
		}
	}
	b.Fatalf("resource-sync %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	return 0
}

// benchTree writes n notes, HAL resources at /api/note/nID, into dir.
func benchTree(b *testing.B, dir string, n int) {
	b.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "note"), 0o755); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		writeBenchNote(b, dir, i, "first version")
	}
}

func writeBenchNote(b *testing.B, dir string, i int, text string) {
	body := fmt.Sprintf(`{"_links":{"self":{"href":"/api/note/n%d"}},"id":"n%d","owner":"team-%d","text":%q,"tags":["a","b"]}`+"\n", i, i, i%17, text)
	if err := os.WriteFile(filepath.Join(dir, "note", fmt.Sprintf("n%d.json", i)), []byte(body), 0o644); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkBisync: 10,000 resources on each side, 1% changed on each
// side (different resources) before every run; a bisync against a
// one-way diff of the same data. Directories: both are read whole.
// serve: bisync reads the transaction logs, diff lists the collections.
func BenchmarkBisync(b *testing.B) {
	const n = 10_000
	b.Run("dir", func(b *testing.B) {
		a, c := b.TempDir(), b.TempDir()
		benchTree(b, a, n)
		benchTree(b, c, n)
		journal := filepath.Join(b.TempDir(), "journal.json")
		runB(b, nil, "bisync", "--journal", journal, "--resync", a, c)
		var diff, bisync time.Duration
		for round := 0; b.Loop(); round++ {
			for k := range n / 100 {
				writeBenchNote(b, a, (round*200+k)%n, fmt.Sprintf("A %d", round))
				writeBenchNote(b, c, (round*200+100+k)%n, fmt.Sprintf("B %d", round))
			}
			diff += runB(b, []int{3}, "diff", a, c)
			bisync += runB(b, nil, "bisync", "--journal", journal, a, c)
		}
		b.ReportMetric(float64(bisync)/float64(diff), "bisync/diff")
	})
	b.Run("serve", func(b *testing.B) {
		da, dc := b.TempDir(), b.TempDir()
		benchTree(b, da, n)
		benchTree(b, dc, n)
		a, c := benchServe(b, da), benchServe(b, dc)
		A, C := a+"/api/note", c+"/api/note"
		journal := filepath.Join(b.TempDir(), "journal.json")
		runB(b, nil, "bisync", "--journal", journal, "-l", "1000", "--resync", A, C)
		var diff, bisync time.Duration
		for round := 0; b.Loop(); round++ {
			for k := range n / 100 {
				putBenchNote(b, A, (round*200+k)%n, fmt.Sprintf("A %d", round))
				putBenchNote(b, C, (round*200+100+k)%n, fmt.Sprintf("B %d", round))
			}
			diff += runB(b, []int{3}, "diff", "-l", "1000", A, C+"/")
			bisync += runB(b, nil, "bisync", "--journal", journal, "-l", "1000", A, C)
		}
		b.ReportMetric(float64(bisync)/float64(diff), "bisync/diff")
	})
}

// benchServe serves dir on loopback.
func benchServe(b *testing.B, dir string) string { return serveDir(b, dir).url }

func putBenchNote(b *testing.B, collection string, i int, text string) {
	body := fmt.Sprintf(`{"id":"n%d","owner":"team-%d","text":%q,"tags":["a","b"]}`, i, i%17, text)
	req, _ := http.NewRequest(http.MethodPut, fmt.Sprintf("%s/n%d", collection, i), strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("PUT %s: %s", req.URL, resp.Status)
	}
}

// BenchmarkBisyncTransactionLog: 100,000 resources on each side, 10
// changed (5 on each side); with the transaction logs a run makes O(10)
// requests for resources, counted and reported, not O(100,000).
func BenchmarkBisyncTransactionLog(b *testing.B) {
	const n = 100_000
	da, dc := b.TempDir(), b.TempDir()
	benchTree(b, da, n)
	benchTree(b, dc, n)
	a, c := serveDir(b, da), serveDir(b, dc)
	A, C := a.url+"/api/note", c.url+"/api/note"
	journal := filepath.Join(b.TempDir(), "journal.json")
	runB(b, nil, "bisync", "--journal", journal, "-l", "1000", "--resync", A, C)
	var requests, resourceReqs, rounds int
	for round := 0; b.Loop(); round++ {
		for k := range 5 {
			putBenchNote(b, A, round*10+k, fmt.Sprintf("A %d", round))
			putBenchNote(b, C, round*10+5+k, fmt.Sprintf("B %d", round))
		}
		fromA, fromC := len(a.log.all()), len(c.log.all())
		runB(b, nil, "bisync", "--journal", journal, "-l", "1000", A, C)
		requests += len(a.log.all()) - fromA + len(c.log.all()) - fromC
		na, _ := resourceRequestsUnder(a, fromA, "/api/note/")
		nc, _ := resourceRequestsUnder(c, fromC, "/api/note/")
		resourceReqs += na + nc
		rounds++
	}
	b.ReportMetric(float64(resourceReqs)/float64(rounds), "resource-requests/op")
	b.ReportMetric(float64(requests)/float64(rounds), "requests/op")
}

// resourceRequestsUnder counts requests since from for one resource under
// prefix (not its collection, not the transaction log).
func resourceRequestsUnder(s *served, from int, prefix string) (int, []string) {
	var what []string
	for _, r := range s.log.all()[from:] {
		p := strings.SplitN(r.uri, "?", 2)[0]
		if strings.HasPrefix(p, prefix) && !strings.HasSuffix(p, "/transactions") {
			what = append(what, r.method+" "+r.uri)
		}
	}
	return len(what), what
}
