package main

import (
	"flag"
	"os"
	"path/filepath"
	"runtime/pprof"
	"syscall"
	"testing"
	"time"

	"github.com/resource-sync/resource-sync/bench"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cli"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/iostreams"
)

var (
	localProfile = flag.String("local.profile", "", "TestLocalProfileHost: write the host's CPU profile here (the test is skipped without it)")
	localN       = flag.Int("local.n", 10_000, "TestLocalProfileHost: resources to convert")
	localTmp     = flag.String("local.tmpdir", "", "TestLocalProfileHost: keep the trees here (/dev/shm leaves fsync out)")
)

// TestLocalProfileHost runs the benchmark's conversion (bench.LocalGenerate
// resources, YAML directory to JSON directory) with the host in this
// process, under the CPU profiler, and logs the wall time and the peak RSS
// of the host and of its plugins (each a re-executed test binary):
//
//	go test -run TestLocalProfileHost ./cmd/resource-sync/ \
//	    -args -local.profile=$PWD/host.pprof -local.n=100000 -local.tmpdir=/dev/shm
//	go tool pprof -top host.pprof
func TestLocalProfileHost(t *testing.T) {
	if *localProfile == "" {
		t.Skip("profiles only with -local.profile FILE")
	}
	dir := t.TempDir()
	if *localTmp != "" {
		var err error
		if dir, err = os.MkdirTemp(*localTmp, "resource-sync-profile-"); err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
	}
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	if err := bench.LocalGenerate(src, *localN); err != nil {
		t.Fatal(err)
	}
	t.Setenv("RESOURCE_SYNC_PLUGIN_PATH", "")
	t.Setenv("RESOURCE_SYNC_CONFIG_DIR", filepath.Join(dir, "config"))
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))

	f, err := os.Create(*localProfile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ios, _, _, errOut := iostreams.Test()
	if err := pprof.StartCPUProfile(f); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	code := cli.Run(t.Context(), cli.NewFactory(ios), []string{"-j", src, dst})
	elapsed := time.Since(start)
	pprof.StopCPUProfile()
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, errOut)
	}
	var self, children syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	t.Logf("%d resources in %v (%s); peak RSS: host %d MiB (with generating the data), largest plugin %d MiB",
		*localN, elapsed, errOut.String(), self.Maxrss/1024, children.Maxrss/1024)
}
