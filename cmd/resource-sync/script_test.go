package main

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestScripts runs the end-to-end scenarios in testdata/script: each
// .txtar file is a script that runs the real command line (this test
// binary, standing in for resource-sync; see TestMain) with built-in
// plugins in their own processes.
//
// Every script starts with:
//
//	$WORK/examples       a copy of examples/data (12 HAL resources)
//	$TOMLDIR             holds resource-sync-plugin-toml, built from
//	                     examples/plugins/toml
//	$CRASHDIR            holds resource-sync-plugin-dir, built from
//	                     testdata/crashplugin (a dir endpoint that dies)
//	$ECHODIR             holds resource-sync-plugin-echo, built from
//	                     internal/testplugins/echo (an endpoint showing
//	                     the options it was opened with)
//	$RESOURCE_SYNC_CONFIG_DIR = $WORK/config (absent unless a script makes it)
//	$XDG_CACHE_HOME      = $WORK/.cache (the plugin manifest cache)
//
// and these commands besides testscript's own:
//
//	exits N PROG [ARGS...]  runs PROG, which must exit with code N; its
//	                        stdout and stderr are checked as after exec
//	backdate DIR            sets the mtime of every file below DIR to
//	                        2001-01-01T00:00:00Z
//	mtimes DIR              lists every file below DIR, hidden ones too,
//	                        as "old PATH" while its mtime is the backdated
//	                        one and "new PATH" once something rewrote it
//	cmptree DIR1 DIR2       the two trees hold the same files (hidden ones
//	                        too) with the same bytes
//	sha256sum FILE...       prints "HEX  FILE" lines, like coreutils
//	sleep DURATION          waits, e.g. until files settle (2100ms)
//	[root]                  holds when the tests run as root
func TestScripts(t *testing.T) {
	bins := buildTestPlugins(t)
	examples, err := filepath.Abs(filepath.Join("..", "..", "examples", "data"))
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("TOMLDIR", bins.toml)
			env.Setenv("CRASHDIR", bins.crash)
			env.Setenv("ECHODIR", bins.echo)
			env.Setenv("RESOURCE_SYNC_CONFIG_DIR", filepath.Join(env.WorkDir, "config"))
			env.Setenv("XDG_CACHE_HOME", filepath.Join(env.WorkDir, ".cache"))
			if os.Getenv("GORACE") == "" {
				// Under -race every process would sleep a second on exit;
				// each command starts several.
				env.Setenv("GORACE", "atexit_sleep_ms=0")
			}
			return os.CopyFS(filepath.Join(env.WorkDir, "examples"), os.DirFS(examples))
		},
		Condition: func(cond string) (bool, error) {
			if cond == "root" {
				return os.Geteuid() == 0, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":     cmdExits,
			"backdate":  cmdBackdate,
			"mtimes":    cmdMtimes,
			"cmptree":   cmdCmpTree,
			"sha256sum": cmdSHA256Sum,
			"sleep":     cmdSleep,
		},
	})
}

// testPlugins are the directories holding the plugin binaries the scripts
// put on $RESOURCE_SYNC_PLUGIN_PATH.
type testPlugins struct{ toml, crash, echo string }

// buildTestPlugins builds the TOML example and the crash and echo plugins,
// each into a directory of its own, as a user would; they go when the test
// ends.
func buildTestPlugins(t *testing.T) testPlugins {
	t.Helper()
	dir := t.TempDir()
	bins := testPlugins{toml: filepath.Join(dir, "toml"), crash: filepath.Join(dir, "crash"), echo: filepath.Join(dir, "echo")}
	var wg sync.WaitGroup
	builds := []struct{ out, pkg string }{
		{filepath.Join(bins.toml, "resource-sync-plugin-toml"), "../../examples/plugins/toml"},
		{filepath.Join(bins.crash, "resource-sync-plugin-dir"), "./testdata/crashplugin"},
		{filepath.Join(bins.echo, "resource-sync-plugin-echo"), "../../internal/testplugins/echo"},
	}
	errs := make([]error, len(builds))
	for i, b := range builds {
		wg.Go(func() {
			out, err := exec.Command("go", "build", "-o", b.out, b.pkg).CombinedOutput()
			if err != nil {
				errs[i] = fmt.Errorf("go build %s: %v\n%s", b.pkg, err, out)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return bins
}

// cmdExits runs a program and checks its exit code, so that a script can
// tell a usage error (2) from a runtime error (1), which `! exec` cannot.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! exits")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		got = exitErr.ExitCode()
	case err != nil:
		ts.Fatalf("%s: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("%s exited with code %d, want %d", args[1], got, want)
	}
}

func cmdSleep(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sleep DURATION")
	}
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	time.Sleep(d)
}

// backdated is the mtime backdate gives; a file that still has it was not
// rewritten since.
var backdated = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)

func cmdBackdate(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: backdate DIR")
	}
	ts.Check(filepath.WalkDir(ts.MkAbs(args[0]), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		return os.Chtimes(path, backdated, backdated)
	}))
}

func cmdMtimes(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: mtimes DIR")
	}
	root := ts.MkAbs(args[0])
	var lines []string
	ts.Check(filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		age := "new"
		if info.ModTime().Equal(backdated) {
			age = "old"
		}
		lines = append(lines, age+" "+filepath.ToSlash(rel))
		return nil
	}))
	for _, l := range lines { // in WalkDir's order: by path
		fmt.Fprintln(ts.Stdout(), l)
	}
}

func cmdSHA256Sum(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: sha256sum FILE...")
	}
	for _, name := range args {
		data, err := os.ReadFile(ts.MkAbs(name))
		ts.Check(err)
		fmt.Fprintf(ts.Stdout(), "%x  %s\n", sha256.Sum256(data), name)
	}
}

func cmdCmpTree(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: cmptree DIR1 DIR2")
	}
	a, b := readTree(ts, args[0]), readTree(ts, args[1])
	var diffs []string
	for name, data := range a {
		other, ok := b[name]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("only in %s: %s", args[0], name))
		case other != data:
			diffs = append(diffs, fmt.Sprintf("%s differs:\n--- %s\n%s--- %s\n%s", name, args[0], data, args[1], other))
		}
	}
	for name := range b {
		if _, ok := a[name]; !ok {
			diffs = append(diffs, fmt.Sprintf("only in %s: %s", args[1], name))
		}
	}
	sort.Strings(diffs)
	switch {
	case neg && len(diffs) == 0:
		ts.Fatalf("%s and %s are the same", args[0], args[1])
	case !neg && len(diffs) > 0:
		ts.Fatalf("%s and %s differ:\n%s", args[0], args[1], strings.Join(diffs, "\n"))
	}
}

// readTree maps the slash-separated path of every file below dir to its
// content.
func readTree(ts *testscript.TestScript, dir string) map[string]string {
	root := ts.MkAbs(dir)
	files := map[string]string{}
	ts.Check(filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		files[filepath.ToSlash(rel)] = string(data)
		return nil
	}))
	return files
}
