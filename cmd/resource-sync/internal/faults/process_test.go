package faults

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/builtin"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cli"
)

// envRunCLI makes the test binary run as resource-sync itself.
const envRunCLI = "RESOURCE_SYNC_FAULTS_RUN_CLI"

// TestMain makes the test binary a stand-in for resource-sync: re-executed
// with envRunCLI it is the command, and the command re-executes it to
// serve each built-in plugin, as the real binary does.
func TestMain(m *testing.M) {
	if builtin.ServeIfAsked() {
		os.Exit(0)
	}
	if os.Getenv(envRunCLI) != "" {
		os.Exit(cli.Main())
	}
	os.Exit(m.Run())
}

// hungAfter bounds how long a run may take, with a fault or without: a
// sync that does not end by then is hung, which is a failure of its own.
const hungAfter = 90 * time.Second

// sandbox is where one scenario's processes run: its own temporary
// directory (to find leaked sockets and spill files), config and cache
// directories (so that nothing of the user's is read), and working
// directory (no ./resource-sync.yaml, no ./.resource-sync/plugins).
type sandbox struct {
	work string
	tmp  string
}

func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	work := t.TempDir()
	sb := &sandbox{work: work, tmp: filepath.Join(work, "tmp")}
	for _, d := range []string{sb.tmp, filepath.Join(work, "config"), filepath.Join(work, "cache"), filepath.Join(work, "cwd")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return sb
}

// envRun marks the processes of one run: plugins inherit it from the
// host, so those that outlive it can be found.
const envRun = "RESOURCE_SYNC_FAULTS_RUN"

var runs atomic.Int64

// command is resource-sync with args, in the sandbox.
func (sb *sandbox) command(args ...string) (*exec.Cmd, string) {
	marker := fmt.Sprintf("%d.%d", os.Getpid(), runs.Add(1))
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = filepath.Join(sb.work, "cwd")
	cmd.Env = append(os.Environ(), envRunCLI+"=1", envRun+"="+marker,
		"TMPDIR="+sb.tmp,
		"RESOURCE_SYNC_CONFIG_DIR="+filepath.Join(sb.work, "config"),
		"XDG_CONFIG_HOME="+filepath.Join(sb.work, "config"),
		"XDG_CACHE_HOME="+filepath.Join(sb.work, "cache"),
		"RESOURCE_SYNC_PLUGIN_PATH=",
	)
	return cmd, marker
}

// tmpEntries lists the names in the sandbox's temporary directory.
func (sb *sandbox) tmpEntries(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(sb.tmp)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// process is one resource-sync run.
type process struct {
	cmd     *exec.Cmd
	marker  string // envRun's value
	stdout  lockedBuffer
	stderr  lockedBuffer
	started time.Time
	done    chan struct{} // closed once it exited and was reaped
}

func (sb *sandbox) start(t *testing.T, args ...string) *process {
	t.Helper()
	cmd, marker := sb.command(args...)
	p := &process{cmd: cmd, marker: marker, done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.started = time.Now()
	go func() {
		p.cmd.Wait() // the exit status is in p.cmd.ProcessState
		close(p.done)
	}()
	return p
}

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits for the process to end, at most limit; a process still
// running then is killed, and wait fails the test.
func (p *process) wait(t *testing.T, limit time.Duration, why string) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(limit):
		p.cmd.Process.Kill()
		<-p.done
		p.survivors(0)
		t.Fatalf("resource-sync %s still running %v %s; stderr:\n%s", strings.Join(p.cmd.Args[1:], " "), limit, why, p.stderr.String())
	}
	return p.cmd.ProcessState.ExitCode() // -1 when killed by a signal
}

// proc is a process of a run.
type proc struct {
	pid  int
	name string // "built-ins", a built-in plugin's name, or "resource-sync"
}

// servedBy names the process serving env's EnvServe.
func servedBy(env map[string]string) string {
	switch name := env[builtin.EnvServe]; name {
	case "":
		return "resource-sync"
	case builtin.ServeAll:
		return "built-ins"
	default:
		return name
	}
}

// plugins lists the run's plugin processes: its children serving a
// built-in (Linux only).
func (p *process) plugins() []proc {
	var out []proc
	for _, pid := range childrenOf(p.cmd.Process.Pid) {
		if env, ok := environ(pid); ok && env[envRun] == p.marker && env[builtin.EnvServe] != "" {
			out = append(out, proc{pid: pid, name: servedBy(env)})
		}
	}
	return out
}

// environ reads the environment of process pid.
func environ(pid int) (map[string]string, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		return nil, false
	}
	env := map[string]string{}
	for _, kv := range strings.Split(string(data), "\x00") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return env, true
}

// survivors waits up to limit for every process of the run (the host and
// the plugins it started, wherever they were reparented) to end, and
// returns those still running then, after killing them.
func (p *process) survivors(limit time.Duration) []proc {
	end := time.Now().Add(limit)
	for {
		left := p.processes()
		if len(left) == 0 || time.Now().After(end) {
			for _, pl := range left {
				syscall.Kill(pl.pid, syscall.SIGKILL)
			}
			return left
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// processes lists the running processes marked as the run's.
func (p *process) processes() []proc {
	entries, _ := os.ReadDir("/proc")
	var out []proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !alive(pid) {
			continue
		}
		if env, ok := environ(pid); ok && env[envRun] == p.marker {
			out = append(out, proc{pid: pid, name: servedBy(env)})
		}
	}
	return out
}

// childrenOf lists the processes whose parent is pid (Linux): from the
// children files of pid's threads, or, on kernels without them, from
// every process's stat.
func childrenOf(pid int) []int {
	lists, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	if len(lists) == 0 {
		return scanChildrenOf(pid)
	}
	var out []int
	for _, list := range lists {
		data, _ := os.ReadFile(list)
		for _, field := range strings.Fields(string(data)) {
			if child, err := strconv.Atoi(field); err == nil {
				out = append(out, child)
			}
		}
	}
	return out
}

func scanChildrenOf(pid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []int
	for _, s := range stats {
		data, err := os.ReadFile(s)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces.
		rest := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
		if len(rest) > 1 && rest[1] == strconv.Itoa(pid) {
			child, _ := strconv.Atoi(strings.Fields(string(data))[0])
			out = append(out, child)
		}
	}
	return out
}

// alive reports whether pid is a process that has not exited: a zombie
// (exited, not yet reaped by its new parent) counts as gone.
func alive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	rest := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	return len(rest) > 0 && rest[0] != "Z" && rest[0] != "X"
}

// lockedBuffer is a bytes.Buffer a process writes to while the test
// reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newEntries is what after holds and before did not.
func newEntries(before, after []string) []string {
	var out []string
	for _, n := range after {
		if !slices.Contains(before, n) {
			out = append(out, n)
		}
	}
	return out
}

// socketDirOf reports whether name is the socket directory a host makes
// in the temporary directory, and the pid of its host when the name
// carries one ("resource-sync-pid123-456"; older hosts: "resource-sync-456").
func socketDirOf(sb *sandbox, name string) (pid int, ok bool) {
	info, err := os.Lstat(filepath.Join(sb.tmp, name))
	if err != nil || !info.IsDir() || !strings.HasPrefix(name, "resource-sync-") {
		return 0, false
	}
	if rest, ok := strings.CutPrefix(name, "resource-sync-pid"); ok {
		digits, _, _ := strings.Cut(rest, "-")
		pid, _ = strconv.Atoi(digits)
	}
	// Only sockets may be in it: anything else is not a socket directory.
	entries, _ := os.ReadDir(filepath.Join(sb.tmp, name))
	for _, e := range entries {
		if e.Type()&os.ModeSocket == 0 {
			return 0, false
		}
	}
	return pid, true
}
