package bench

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BenchmarkLocalDirToDir converts a directory of YAML resources into a
// directory of JSON files, 10,000 resources of about 1 KiB (and 100,000
// with -large), on disk and on tmpfs, with resource-sync (the real binary,
// its plugins in their own processes) and with LocalPlainConvert (one
// process, same libraries, plain os.WriteFile), each run as a child
// process into a new destination.
//
// ns/op is resource-sync's time. The metrics: rs-s/op and plain-s/op (wall
// time per run), ratio (resource-sync / plain), rs-peak-MiB and
// plain-peak-MiB (the largest peak RSS of one process: for resource-sync
// the maximum over the host and its plugins, from the child's rusage).
func BenchmarkLocalDirToDir(b *testing.B) {
	rs := localBuild(b)
	for _, n := range benchSizes() {
		for _, medium := range benchMedia(b) {
			// Generated once per size and medium, on first use, so that
			// -bench can pick one without paying for the others.
			var src string
			b.Run(fmt.Sprintf("n=%d/%s", n, medium.name), func(b *testing.B) {
				if src == "" {
					src = filepath.Join(medium.dir(b), "src")
					if err := LocalGenerate(src, n); err != nil {
						b.Fatal(err)
					}
				}
				work := medium.dir(b)
				var rsUse, plainUse usage
				runs := benchRuns(b, n)
				b.ResetTimer()
				for i := range runs {
					// Alternate who goes first, so neither always finds
					// the page cache warmer.
					for _, plainFirst := range []bool{i%2 == 1, i%2 == 0} {
						dst := filepath.Join(work, fmt.Sprintf("dst-%d-%t", i, plainFirst))
						if plainFirst {
							b.StopTimer()
							plainUse.add(localRun(b, localPlainCmd(b, src, dst), n))
						} else {
							b.StartTimer()
							rsUse.add(localRun(b, localSyncCmd(rs, work, src, dst), n))
							b.StopTimer()
						}
					}
				}
				reportLocal(b, runs, rsUse, plainUse)
			})
		}
	}
}

// benchRuns is how many runs each side makes in a benchmark of n
// resources: b.N, and at least three at 10,000, where one run moved by a
// tenth or more from the next, and a run on disk up to twice (the other
// side's files not yet written back, a tree removed shortly before). The
// runs alternate which side goes first.
func benchRuns(b *testing.B, n int) int {
	if n <= 10_000 {
		return max(b.N, 3)
	}
	return b.N
}

// reportLocal adds the wall and CPU times of runs runs, their ratios and
// the peak memories of one benchmark to its results; ns/op is
// resource-sync's time per run. On a busy machine the CPU ratio is the
// steadier one.
func reportLocal(b *testing.B, runs int, rs, plain usage) {
	n := float64(runs)
	b.ReportMetric(float64(rs.wall.Nanoseconds())/n, "ns/op")
	b.ReportMetric(rs.wall.Seconds()/n, "rs-s/op")
	b.ReportMetric(plain.wall.Seconds()/n, "plain-s/op")
	b.ReportMetric(rs.wall.Seconds()/plain.wall.Seconds(), "ratio")
	b.ReportMetric(rs.cpu.Seconds()/n, "rs-cpu-s/op")
	b.ReportMetric(plain.cpu.Seconds()/n, "plain-cpu-s/op")
	b.ReportMetric(rs.cpu.Seconds()/plain.cpu.Seconds(), "cpu-ratio")
	b.ReportMetric(float64(rs.peakKiB)/1024, "rs-peak-MiB")
	b.ReportMetric(float64(plain.peakKiB)/1024, "plain-peak-MiB")
}

var (
	benchLarge = flag.Bool("large", false, "also move 100,000 resources (BenchmarkLocalDirToDir, BenchmarkLocalResync, BenchmarkPull, BenchmarkPush, BenchmarkRepush, BenchmarkDiff)")
	benchTmpfs = flag.String("tmpfs", "/dev/shm", "a tmpfs directory for the in-memory runs; empty to skip them")
)

// benchSizes are the resource counts to run.
func benchSizes() []int {
	if *benchLarge {
		return []int{10_000, 100_000}
	}
	return []int{10_000}
}

// medium is where a benchmark's trees live: the temporary directory (a
// disk here), or tmpfs, where fsync costs nothing and the ratio shows
// resource-sync's own overhead.
//
// Every run writes a tree of its own, and the trees on disk stay until the
// last benchmark ends (diskRoot): no run starts right after many files
// were deleted. On ext4 without a journal, creating files within a minute
// of that costs several times the usual kernel CPU (ext4's
// recently_deleted), whichever program it falls on, and the disk ratios
// swung with who ran second.
type medium struct {
	name string
	dir  func(testing.TB) string
}

// diskRoot holds the disk medium's trees; TestMain removes it.
var diskRoot string

func benchMedia(tb testing.TB) []medium {
	media := []medium{{"disk", func(tb testing.TB) string {
		dir, err := os.MkdirTemp(diskRoot, "run-")
		if err != nil {
			tb.Fatal(err)
		}
		return dir
	}}}
	if info, err := os.Stat(*benchTmpfs); *benchTmpfs != "" && err == nil && info.IsDir() {
		media = append(media, medium{"tmpfs", func(tb testing.TB) string {
			dir, err := os.MkdirTemp(*benchTmpfs, "resource-sync-bench-")
			if err != nil {
				tb.Fatal(err)
			}
			tb.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}})
	}
	return media
}

// TestLocalPlainMirrorsResourceSync checks, on a small tree, that the
// plain program writes exactly the files resource-sync writes, so the
// benchmark compares like with like.
func TestLocalPlainMirrorsResourceSync(t *testing.T) {
	if testing.Short() {
		t.Skip("builds resource-sync")
	}
	rs := localBuild(t)
	work := t.TempDir()
	src := filepath.Join(work, "src")
	if err := LocalGenerate(src, 200); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "README.md"), []byte("not a resource\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want, got := filepath.Join(work, "rs"), filepath.Join(work, "plain")
	localRun(t, localSyncCmd(rs, work, src, want), 200)
	localRun(t, localPlainCmd(t, src, got), 200)
	wantFiles, gotFiles := localTree(t, want), localTree(t, got)
	if len(wantFiles) != 200 {
		t.Fatalf("resource-sync wrote %d files, want 200", len(wantFiles))
	}
	for name, data := range wantFiles {
		if gotFiles[name] != data {
			t.Errorf("plain %s = %q, want %q", name, gotFiles[name], data)
		}
	}
	if len(gotFiles) != len(wantFiles) {
		t.Errorf("plain wrote %d files, resource-sync %d", len(gotFiles), len(wantFiles))
	}
}

// envBinary names a resource-sync binary to measure instead of building
// this tree's, to compare two builds under the same plain programs.
const envBinary = "RESOURCE_SYNC_BENCH_BINARY"

// localBuild builds resource-sync into a temporary directory, unless
// $RESOURCE_SYNC_BENCH_BINARY names one.
func localBuild(tb testing.TB) string {
	tb.Helper()
	if bin := os.Getenv(envBinary); bin != "" {
		return bin
	}
	bin := filepath.Join(tb.TempDir(), "resource-sync")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/resource-sync/resource-sync/cmd/resource-sync").CombinedOutput()
	if err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// localSyncCmd runs resource-sync from src into dst as the directory
// benchmarks do: quiet, writing JSON (rsCmd).
func localSyncCmd(rs, work, src, dst string) *exec.Cmd {
	return rsCmd(rs, work, "-q", "-j", src, dst)
}

// rsCmd runs resource-sync with args, no plugins but the built-ins, no
// pins and its manifest cache out of the user's way (in work).
func rsCmd(rs, work string, args ...string) *exec.Cmd {
	cmd := exec.Command(rs, args...)
	cmd.Env = append(os.Environ(),
		"RESOURCE_SYNC_PLUGIN_PATH=",
		"RESOURCE_SYNC_CONFIG_DIR="+filepath.Join(work, "config"),
		"XDG_CACHE_HOME="+filepath.Join(work, "cache"))
	return cmd
}

// The plain programs run as child processes of this test binary, so that
// their peak memory is measured like resource-sync's: each variable below
// makes the binary run one of them instead of the tests.
const (
	// envLocalPlain: LocalPlainConvert from it into $envLocalPlainDst.
	envLocalPlain    = "RESOURCE_SYNC_BENCH_LOCAL_PLAIN"
	envLocalPlainDst = "RESOURCE_SYNC_BENCH_LOCAL_PLAIN_DST"
	// envPlainPull: plainPull from the first page it names into
	// $envLocalPlainDst.
	envPlainPull = "RESOURCE_SYNC_BENCH_PLAIN_PULL"
	// envPlainPush: plainPush from the directory it names to the server
	// at $envPlainPushDest.
	envPlainPush     = "RESOURCE_SYNC_BENCH_PLAIN_PUSH"
	envPlainPushDest = "RESOURCE_SYNC_BENCH_PLAIN_PUSH_DEST"
)

func init() {
	runChild(envLocalPlain, func(src string) (int, error) {
		return LocalPlainConvert(src, os.Getenv(envLocalPlainDst))
	})
	runChild(envPlainPull, func(first string) (int, error) {
		return plainPull(context.Background(), plainClient(), first, os.Getenv(envLocalPlainDst))
	})
	runChild(envPlainPush, func(src string) (int, error) {
		return plainPush(context.Background(), plainClient(), src, os.Getenv(envPlainPushDest))
	})
}

// runChild runs program with the value of env, when it is set, prints
// how many resources it handled and exits instead of running the tests.
func runChild(env string, program func(string) (int, error)) {
	v, ok := os.LookupEnv(env)
	if !ok {
		return
	}
	n, err := program(v)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(n)
	os.Exit(0)
}

// childCmd runs this test binary with env (NAME=value pairs) added, as
// one of the plain programs (runChild).
func childCmd(tb testing.TB, env ...string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

func plainPushCmd(tb testing.TB, src, dest string) *exec.Cmd {
	return childCmd(tb, envPlainPush+"="+src, envPlainPushDest+"="+dest)
}

func plainPullCmd(tb testing.TB, first, dst string) *exec.Cmd {
	return childCmd(tb, envPlainPull+"="+first, envLocalPlainDst+"="+dst)
}

func localPlainCmd(tb testing.TB, src, dst string) *exec.Cmd {
	return childCmd(tb, envLocalPlain+"="+src, envLocalPlainDst+"="+dst)
}

// peakRSS is the peakrss command, built on first use.
var peakRSS struct {
	once sync.Once
	path string
	err  error
}

// usage is what one run cost.
type usage struct {
	wall, cpu time.Duration // cpu: user and system, over every process
	peakKiB   int64         // the largest process's peak RSS
}

// add accumulates times and keeps the largest peak.
func (u *usage) add(v usage) {
	u.wall += v.wall
	u.cpu += v.cpu
	u.peakKiB = max(u.peakKiB, v.peakKiB)
}

// localRun runs cmd, which must succeed, under peakrss, and returns what
// it cost.
func localRun(tb testing.TB, cmd *exec.Cmd, n int) usage {
	tb.Helper()
	peakRSS.once.Do(func() {
		dir, err := os.MkdirTemp("", "resource-sync-peakrss-")
		if err != nil {
			peakRSS.err = err
			return
		}
		peakRSS.path = filepath.Join(dir, "peakrss")
		out, err := exec.Command("go", "build", "-o", peakRSS.path, "github.com/resource-sync/resource-sync/bench/peakrss").CombinedOutput()
		if err != nil {
			peakRSS.err = fmt.Errorf("go build peakrss: %v\n%s", err, out)
		}
	})
	if peakRSS.err != nil {
		tb.Fatal(peakRSS.err)
	}
	peakFile := filepath.Join(tb.TempDir(), "peak")
	cmd.Args = append([]string{peakRSS.path, peakFile}, cmd.Args...)
	cmd.Args[2] = cmd.Path
	cmd.Path = peakRSS.path
	// Nor does a run pay for what was written before it and not yet
	// saved, such as the origin just generated: resource-sync's syncfs
	// would write it back within the run, the plain program would not.
	syscall.Sync()
	start := time.Now()
	out, err := cmd.CombinedOutput()
	elapsed := time.Since(start)
	if err != nil {
		tb.Fatalf("%s: %v\n%s", cmd.Args[2], err, out)
	}
	// What a run left unsaved is written back now, untimed, rather than
	// by the kernel during the next run, which would pay for it: the plain
	// programs leave all they write, resource-sync nothing.
	syscall.Sync()
	if s := string(out); s != "" && s != strconv.Itoa(n)+"\n" {
		tb.Fatalf("%s said: %s", cmd.Args[2], s)
	}
	data, err := os.ReadFile(peakFile)
	if err != nil {
		tb.Fatal(err)
	}
	var peak int64
	var cpu float64
	if _, err := fmt.Sscan(string(data), &peak, &cpu); err != nil {
		tb.Fatalf("peakrss wrote %q: %v", data, err)
	}
	return usage{wall: elapsed, cpu: time.Duration(cpu * float64(time.Second)), peakKiB: peak}
}

func localTree(tb testing.TB, dir string) map[string]string {
	tb.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return files
}
