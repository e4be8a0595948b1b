package faults

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/resource-sync/resource-sync/internal/testserver"
)

var (
	seedFlag   = flag.Uint64("seed", 0, "seed of the kill points and data (0: from the clock); a failure logs the one it used")
	roundsFlag = flag.Int("rounds", 1, "kills per victim and scenario")
)

// A scenario is one kind of sync, run round after round: each round the
// origin changes, the sync is started, one victim is killed (or the
// server stopped) at a random point, the destination is checked, and the
// sync is run again, which must finish the job and say so.
type scenario struct {
	// victims are "host", "server" (the loopback API, stopped and
	// restarted) or "built-ins", the process the built-in plugins share.
	// A victim listed twice gets two rounds, each at its own moment.
	victims []string
	flags   []string
	origin  string
	dest    string
	delete  bool
	// server is the API the sync talks to, if any; a push writes to it.
	server *loopback
	push   bool
	// blind destinations cannot list what they hold (the testserver has
	// no collections): every resource is planned as a create.
	blind bool
	// load puts a round's data in the origin.
	load func(t *testing.T, d dataset)
	// held reads what the destination holds.
	held func(t *testing.T) held
	// bystanders are what the destination holds that no sync may change:
	// files that are not resources, resources of other types.
	bystanders map[string]string
}

// held is what a destination holds.
type held struct {
	resources map[string]string // "TYPE/ID" -> compared content, every type
	paths     map[string]string // "TYPE/ID" -> the file that holds it, when files do
	files     map[string]string // files that are not resources of the synced types, by path
	problems  []string          // torn or unreadable resources
}

func heldInDir(dir string) func(t *testing.T) held {
	return func(t *testing.T) held {
		t.Helper()
		tr := readTree(t, dir)
		h := held{resources: contents(t, tr.resources), paths: tr.paths, files: tr.files, problems: tr.problems}
		for key, c := range except(h.resources, syncedTypes) {
			h.files[key] = c
		}
		return h
	}
}

func heldInTestserver(srv *testserver.Server) func(t *testing.T) held {
	return func(t *testing.T) held {
		t.Helper()
		h := held{resources: map[string]string{}, files: map[string]string{}}
		for p, body := range srv.Resources() {
			key := strings.TrimPrefix(p, "/api/")
			if !json.Valid(body) {
				h.problems = append(h.problems, fmt.Sprintf("%s holds a body that is not JSON:\n%s", p, body))
				continue
			}
			h.resources[key] = content(t, body)
		}
		return h
	}
}

func TestFaults(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("finds plugin processes through /proc")
	}
	if testing.Short() {
		t.Skip("kills about 30 syncs")
	}
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -seed %d)", seed, seed)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("failed with seed %d: go test ./cmd/resource-sync/internal/faults -run '%s' -seed %d", seed, t.Name(), seed)
		}
	})
	scenarios := []struct {
		name string
		new  func(t *testing.T) *scenario
	}{
		{"pull", pull},
		{"push to serve", pushServe},
		{"push to testserver", pushTestserver},
		{"delete dir to dir", deleteDir},
		{"delete dir to serve", deleteServe},
	}
	for i, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			// Each scenario draws from its own source, so that one run
			// alone (-run) meets the same faults as in the whole suite.
			runScenario(t, s.new(t), rand.New(rand.NewPCG(seed, uint64(i))))
		})
	}
}

// pull: an API served by `resource-sync serve`, pulled with -a into a
// directory that also holds files of its own.
func pull(t *testing.T) *scenario {
	work := t.TempDir()
	origin, dest := filepath.Join(work, "api"), filepath.Join(work, "pulled")
	if err := os.Mkdir(origin, 0o755); err != nil {
		t.Fatal(err)
	}
	plantBystanders(t, dest)
	srv := newLoopback(t, openServe(origin))
	return &scenario{
		victims: []string{"host", "server", "built-ins", "built-ins"},
		flags:   []string{"-a"},
		origin:  srv.url() + "/api/",
		dest:    dest,
		server:  srv,
		load: func(t *testing.T, d dataset) {
			writeTree(t, origin, d)
			srv.restart(t) // serve reads its directory at start
		},
		held:       heldInDir(dest),
		bystanders: heldInDir(dest)(t).files,
	}
}

// pushServe: a directory pushed to `resource-sync serve` of a directory
// that also holds other files and resources of another type.
func pushServe(t *testing.T) *scenario {
	work := t.TempDir()
	origin, served := filepath.Join(work, "origin"), filepath.Join(work, "served")
	plantBystanders(t, served)
	srv := newLoopback(t, openServe(served))
	return &scenario{
		victims:    []string{"host", "server", "built-ins", "built-ins"},
		origin:     origin,
		dest:       srv.url() + "/api/",
		server:     srv,
		push:       true,
		load:       func(t *testing.T, d dataset) { writeTree(t, origin, d) },
		held:       heldInDir(served),
		bystanders: heldInDir(served)(t).files,
	}
}

// pushTestserver: a directory pushed, links and all, to the testserver,
// which refuses a child before its parent.
func pushTestserver(t *testing.T) *scenario {
	origin := filepath.Join(t.TempDir(), "origin")
	api := testserver.New(testserver.Options{})
	srv := newLoopback(t, openHandler(api))
	return &scenario{
		victims: []string{"host", "server", "built-ins"},
		flags:   []string{"--keep-links"},
		origin:  origin,
		dest:    srv.url() + "/api/",
		server:  srv,
		push:    true,
		blind:   true,
		load:    func(t *testing.T, d dataset) { writeTree(t, origin, d) },
		held:    heldInTestserver(api),
	}
}

// deleteDir: --delete from a directory into another.
func deleteDir(t *testing.T) *scenario {
	work := t.TempDir()
	origin, dest := filepath.Join(work, "origin"), filepath.Join(work, "dest")
	plantBystanders(t, dest)
	return &scenario{
		victims:    []string{"host", "built-ins", "built-ins"},
		flags:      []string{"--delete"},
		origin:     origin,
		dest:       dest,
		delete:     true,
		load:       func(t *testing.T, d dataset) { writeTree(t, origin, d) },
		held:       heldInDir(dest),
		bystanders: heldInDir(dest)(t).files,
	}
}

// deleteServe: --delete from a directory into `resource-sync serve`.
func deleteServe(t *testing.T) *scenario {
	work := t.TempDir()
	origin, served := filepath.Join(work, "origin"), filepath.Join(work, "served")
	plantBystanders(t, served)
	srv := newLoopback(t, openServe(served))
	return &scenario{
		victims:    []string{"host", "server", "built-ins"},
		flags:      []string{"--delete"},
		origin:     origin,
		dest:       srv.url() + "/api/",
		server:     srv,
		push:       true,
		delete:     true,
		load:       func(t *testing.T, d dataset) { writeTree(t, origin, d) },
		held:       heldInDir(served),
		bystanders: heldInDir(served)(t).files,
	}
}

// fault is what a round does to its sync, and when.
type fault struct {
	victim string
	// requests: once the server answered this many requests of the run;
	// deleting: once the first stale resource's file is gone (the
	// deletes began); otherwise after, from the start of the process.
	requests int64
	deleting []string // the stale resources' files
	after    time.Duration
	// down is how long a stopped server stays down.
	down time.Duration
}

func (f fault) String() string {
	what := "kill -9 the " + f.victim
	switch f.victim {
	case "host":
		what = "kill -9 resource-sync"
	case "server":
		what = fmt.Sprintf("stop the server for %v", f.down)
	default:
		what += " process"
	}
	if f.requests > 0 {
		return fmt.Sprintf("%s after %d requests", what, f.requests)
	}
	if f.deleting != nil {
		return what + " once deleting began"
	}
	return fmt.Sprintf("%s after %v", what, f.after)
}

// calibration is how long an undisturbed sync of a scenario takes, and
// how many requests it makes: kill points are drawn within them.
type calibration struct {
	took     time.Duration
	requests int64
	writes   int64 // of the requests: a push's writes, one per resource
}

// requestsFor estimates the requests of a round's sync: the reads are
// those of the first sync, the writes those the round plans.
func (c calibration) requestsFor(sc *scenario, want map[string]string, before held) int64 {
	if !sc.push {
		return c.requests
	}
	created, updated, _, stale := sc.plan(want, before)
	writes := created + updated
	if sc.delete {
		writes += stale
	}
	return c.requests - c.writes + int64(writes)
}

func runScenario(t *testing.T, sc *scenario, rng *rand.Rand) {
	sb := newSandbox(t)
	data := shop(0, rng)
	sc.load(t, data)
	cal := sc.baseline(t, sb, data)
	t.Logf("an undisturbed sync took %v and %d requests", cal.took.Round(time.Millisecond), cal.requests)

	var victims []string
	for range *roundsFlag {
		victims = append(victims, sc.victims...)
	}
	rng.Shuffle(len(victims), func(i, j int) { victims[i], victims[j] = victims[j], victims[i] })
	round := 0
	for _, victim := range victims {
		// A sync may end before its kill point (timing varies with the
		// machine's load): then the victim gets another round, its kill
		// point drawn from a window half as long.
		for attempt := range landingAttempts {
			round++
			data = shop(round, rng)
			sc.load(t, data)
			before := sc.held(t)
			f := drawFault(rng, victim, cal.took>>attempt, cal.requestsFor(sc, contents(t, data), before)>>attempt)
			if stale := sc.staleFiles(contents(t, data), before); stale != nil && rng.IntN(3) == 0 {
				f.requests, f.after, f.deleting = 0, 0, stale
			}
			landed := sc.round(t, sb, round, f, data, before)
			if t.Failed() {
				return // the rounds after build on this one
			}
			if landed {
				break
			}
		}
	}
}

// landingAttempts is how many rounds a victim gets for its fault to land.
const landingAttempts = 3

// drawFault picks the moment of a fault: after a number of requests, or
// after some time (which covers the start, before any request).
func drawFault(rng *rand.Rand, victim string, took time.Duration, requests int64) fault {
	f := fault{victim: victim}
	if requests > 0 && rng.IntN(2) == 0 {
		f.requests = 1 + rng.Int64N(requests)
	} else {
		f.after = time.Duration(rng.Int64N(max(int64(took), 1)))
	}
	if victim == "server" {
		f.down = time.Duration(rng.Int64N(int64(time.Second)))
	}
	return f
}

// staleFiles lists the files of the resources a --delete sync of want
// will delete, when the destination's resources are files.
func (sc *scenario) staleFiles(want map[string]string, before held) []string {
	if !sc.delete {
		return nil
	}
	var files []string
	for key, file := range before.paths {
		if _, kept := want[key]; !kept && slices.Contains(syncedTypes, strings.Split(key, "/")[0]) {
			files = append(files, file)
		}
	}
	slices.Sort(files)
	return files
}

// args are the command line of a sync.
func (sc *scenario) args(extra ...string) []string {
	return append(append(slices.Clone(sc.flags), extra...), sc.origin, sc.dest)
}

// baseline runs the first sync undisturbed and measures it.
func (sc *scenario) baseline(t *testing.T, sb *sandbox, data dataset) calibration {
	t.Helper()
	reqs := sc.requests()
	p := sb.start(t, sc.args()...)
	if code := p.wait(t, hungAfter, "undisturbed"); code != 0 {
		t.Fatalf("the first sync exited %d:\n%s", code, p.stderr.String())
	}
	cal := calibration{took: time.Since(p.started), requests: sc.requests() - reqs}
	if sc.push {
		cal.writes = int64(len(data))
	}
	h := sc.held(t)
	want := contents(t, data)
	if diff := compare(want, only(h.resources, syncedTypes)); diff != "" {
		t.Fatalf("the first sync did not copy the origin:\n%s", diff)
	}
	return cal
}

func (sc *scenario) requests() int64 {
	if sc.server == nil {
		return 0
	}
	return sc.server.requests.Load()
}

// round runs one sync with a fault, checks what it left, reruns it and
// checks that the rerun finished the job.
func (sc *scenario) round(t *testing.T, sb *sandbox, round int, f fault, data dataset, before held) (landed bool) {
	t.Helper()
	want := contents(t, data)
	landed, after, sockets := sc.disturbed(t, sb, round, f, want, before)
	sc.rerun(t, sb, round, f, want, after, sockets)
	return landed
}

// disturbed runs the sync with the fault and checks what it left: the
// exit status, the destination, what it reported, its processes and
// temporary files. It returns what the destination holds then, and the
// socket directories a killed host left, by their host's pid.
func (sc *scenario) disturbed(t *testing.T, sb *sandbox, round int, f fault, want map[string]string, before held) (landed bool, after held, sockets map[string]int) {
	t.Helper()
	tmpBefore := sb.tmpEntries(t)

	base := sc.requests()
	p := sb.start(t, sc.args("--output", "json")...)
	landed = sc.inject(t, p, f, base)
	code := p.wait(t, hungAfter, "after: "+f.String())
	// A plugin notices within moments that its host was killed.
	if left := p.survivors(5 * time.Second); len(left) > 0 {
		t.Errorf("round %d (%s): plugin processes outlived resource-sync: %v", round, f, left)
	}
	t.Logf("round %d: %s: %s; exit %d%s", round, f, map[bool]string{true: "injected", false: "the sync ended first"}[landed], code, lastError(p.stderr.String()))
	sc.checkExit(t, round, f, landed, code, p.stderr.String())

	if sc.server != nil {
		sc.server.idle()
	}
	after = sc.held(t)
	sc.checkInterrupted(t, round, f, want, before, after)
	sc.checkEvents(t, round, f, p.stdout.String(), p.stderr.String(), want, after)
	if code == 0 {
		// It finished: it must have done the whole job.
		if diff := compare(sc.expected(want, before), only(after.resources, syncedTypes)); diff != "" {
			t.Errorf("round %d (%s): the sync exited 0, but the destination differs from the origin:\n%s", round, f, diff)
		}
	}
	sockets = map[string]int{}
	for _, name := range newEntries(tmpBefore, sb.tmpEntries(t)) {
		if pid, ok := socketDirOf(sb, name); ok && f.victim == "host" && landed {
			sockets[name] = pid // the killed host could not remove it
			continue
		}
		t.Errorf("round %d (%s): left in the temporary directory: %s", round, f, name)
	}
	return landed, after, sockets
}

// rerun runs the sync again, undisturbed, and checks that it finishes the
// job, says exactly what it did, and leaves nothing behind.
func (sc *scenario) rerun(t *testing.T, sb *sandbox, round int, f fault, want map[string]string, after held, sockets map[string]int) {
	t.Helper()
	tmpBefore := sb.tmpEntries(t)
	summary := sc.summary(want, after)
	rerun := sb.start(t, sc.args()...)
	code := rerun.wait(t, hungAfter, "undisturbed")
	if code != 0 {
		t.Fatalf("round %d (%s): the rerun exited %d:\n%s", round, f, code, rerun.stderr.String())
	}
	if !slices.Contains(strings.Split(rerun.stderr.String(), "\n"), summary) {
		t.Errorf("round %d (%s): the rerun's summary is not %q:\n%s", round, f, summary, rerun.stderr.String())
	}
	final := sc.held(t)
	for _, problem := range final.problems {
		t.Errorf("round %d (%s): after the rerun: %s", round, f, problem)
	}
	if diff := compare(sc.expected(want, after), only(final.resources, syncedTypes)); diff != "" {
		t.Errorf("round %d (%s): after the rerun the destination differs from the origin:\n%s", round, f, diff)
	}
	sc.checkBystanders(t, round, f, "after the rerun", final)
	if left := rerun.survivors(3 * time.Second); len(left) > 0 {
		t.Errorf("round %d (%s): plugin processes outlived the rerun: %v", round, f, left)
	}
	for _, name := range newEntries(tmpBefore, sb.tmpEntries(t)) {
		t.Errorf("round %d (%s): the rerun left in the temporary directory: %s", round, f, name)
	}
	for name, pid := range sockets {
		// Hosts that name their socket directory after their pid remove
		// those of dead hosts when they start.
		if _, err := os.Stat(filepath.Join(sb.tmp, name)); pid != 0 && err == nil {
			t.Errorf("round %d (%s): the killed host's socket directory %s is still there after the rerun", round, f, name)
		}
	}
	var temporary []string
	for _, name := range slices.Sorted(maps.Keys(final.files)) {
		if _, ok := sc.bystanders[name]; ok {
			continue
		}
		if hidden(name) {
			// A killed write's temporary file: hidden, so never read as
			// a resource (the rerun's summary counted only resources).
			temporary = append(temporary, name)
			continue
		}
		t.Errorf("round %d (%s): after the rerun the destination holds %s, which is neither a resource nor was there before", round, f, name)
	}
	if len(temporary) > 0 {
		t.Logf("round %d: %d hidden temporary files of killed writes in the destination, such as %s", round, len(temporary), temporary[0])
	}
}

// moment reports whether the fault is due, given how many requests the
// server answered and how long the sync ran.
func (f fault) moment(requests int64, ran time.Duration) bool {
	switch {
	case f.requests > 0:
		return requests >= f.requests
	case f.deleting != nil:
		for _, file := range f.deleting {
			if _, err := os.Lstat(file); errors.Is(err, fs.ErrNotExist) {
				return true
			}
		}
		return false
	}
	return ran >= f.after
}

// inject waits for the fault's moment and injects it; it reports false
// when the sync ended first.
func (sc *scenario) inject(t *testing.T, p *process, f fault, base int64) bool {
	t.Helper()
	for {
		if p.exited() {
			return false
		}
		if f.moment(sc.requests()-base, time.Since(p.started)) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	switch f.victim {
	case "host":
		return p.cmd.Process.Signal(syscall.SIGKILL) == nil
	case "server":
		sc.server.stop()
		select {
		case <-time.After(f.down):
		case <-p.done:
		}
		sc.server.restart(t)
		return true
	}
	// The built-ins' process: it may not have started yet.
	for !p.exited() {
		for _, pl := range p.plugins() {
			if pl.name == f.victim {
				return syscall.Kill(pl.pid, syscall.SIGKILL) == nil
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	return false
}

// checkExit checks how the disturbed sync ended: killed, or 0 or 1, and
// the killed process named.
func (sc *scenario) checkExit(t *testing.T, round int, f fault, landed bool, code int, stderr string) {
	t.Helper()
	switch {
	case !landed && code != 0:
		t.Errorf("round %d (%s): undisturbed, the sync exited %d:\n%s", round, f, code, stderr)
	case !landed:
	case f.victim == "host":
		if code != -1 {
			t.Errorf("round %d (%s): resource-sync exited %d after kill -9", round, f, code)
		}
	case code != 0 && code != 1:
		t.Errorf("round %d (%s): exit %d, want 0 or 1:\n%s", round, f, code, stderr)
	case code == 1 && f.victim != "server" && !strings.Contains(stderr, f.victim):
		t.Errorf("round %d (%s): the error does not name the killed %s:\n%s", round, f, f.victim, stderr)
	}
}

// checkInterrupted checks the destination as the disturbed sync left it:
// every resource whole, holding what it held before or what the origin
// holds; nothing gone that the origin holds; only stale resources
// deleted, and only under --delete; nothing else touched.
func (sc *scenario) checkInterrupted(t *testing.T, round int, f fault, want map[string]string, before, after held) {
	t.Helper()
	for _, problem := range after.problems {
		t.Errorf("round %d (%s): torn: %s", round, f, problem)
	}
	was := only(before.resources, syncedTypes)
	now := only(after.resources, syncedTypes)
	for key, old := range was {
		c, ok := now[key]
		_, kept := want[key]
		switch {
		case !ok && kept:
			t.Errorf("round %d (%s): %s is gone, although the origin holds it", round, f, key)
		case !ok && !sc.delete:
			t.Errorf("round %d (%s): %s is gone without --delete", round, f, key)
		case ok && c != old && c != want[key]:
			t.Errorf("round %d (%s): %s holds neither its old content nor the origin's:\n%s", round, f, key, c)
		}
	}
	for key, c := range now {
		if _, ok := was[key]; !ok && c != want[key] {
			t.Errorf("round %d (%s): %s appeared with content that is not the origin's:\n%s", round, f, key, c)
		}
	}
	sc.checkBystanders(t, round, f, "after the fault", after)
}

// checkBystanders checks that what no sync may touch is as it was.
func (sc *scenario) checkBystanders(t *testing.T, round int, f fault, when string, h held) {
	t.Helper()
	for name, c := range sc.bystanders {
		if got, ok := h.files[name]; !ok {
			t.Errorf("round %d (%s): %s: %s is gone", round, f, when, name)
		} else if got != c {
			t.Errorf("round %d (%s): %s: %s changed:\n%s", round, f, when, name, got)
		}
	}
}

// event is one line of --output json.
type event struct {
	Type, ID, Action, Outcome string
}

// checkEvents checks that what the disturbed sync reported as done is
// done: a resource said written or unchanged holds the origin's content,
// one said deleted is gone; and that its summary line, if it printed one,
// counts those events.
func (sc *scenario) checkEvents(t *testing.T, round int, f fault, stdout, stderr string, want map[string]string, after held) {
	t.Helper()
	lines := strings.Split(stdout, "\n")
	lines = lines[:len(lines)-1] // the last is empty, or cut by the kill
	counted := map[string]int{}
	for _, line := range lines {
		var e event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Errorf("round %d (%s): --output json printed %q: %v", round, f, line, err)
			continue
		}
		counted[e.Outcome+" "+e.Action]++
		key := e.Type + "/" + e.ID
		c, ok := after.resources[key]
		switch e.Outcome {
		case "written", "unchanged":
			if !ok || c != want[key] {
				t.Errorf("round %d (%s): %s was reported %s but holds %q, not the origin's content", round, f, key, e.Outcome, c)
			}
		case "deleted":
			if ok {
				t.Errorf("round %d (%s): %s was reported deleted but is still there", round, f, key)
			}
		}
	}
	for _, line := range strings.Split(stderr, "\n") {
		m := summaryLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if m[1] != strconv.Itoa(len(want)) {
			t.Errorf("round %d (%s): the summary %q says %s read, the origin holds %d", round, f, line, m[1], len(want))
		}
		events := fmt.Sprintf("%d created, %d updated, %d unchanged, %d deleted", counted["written create"], counted["written update"],
			counted["unchanged unchanged"], counted["deleted delete"])
		failed, skipped := sum(counted, "failed "), sum(counted, "skipped ")
		if failed > 0 || skipped > 0 {
			events += fmt.Sprintf(", %d failed, %d skipped", failed, skipped)
		}
		if m[2] != events {
			t.Errorf("round %d (%s): the summary says %q, its events %q", round, f, m[2], events)
		}
	}
}

// summaryLine is the summary a sync prints: what was read, and the rest.
var summaryLine = regexp.MustCompile(`^(\d+) read: (\d+ created, \d+ updated, \d+ unchanged, \d+ deleted(?:, \d+ failed, \d+ skipped)?)`)

// sum adds the counts whose key starts with prefix.
func sum(counts map[string]int, prefix string) int {
	n := 0
	for k, c := range counts {
		if strings.HasPrefix(k, prefix) {
			n += c
		}
	}
	return n
}

// expected is what the destination must hold of the synced types once a
// sync of want completes, given what it held before.
func (sc *scenario) expected(want map[string]string, before held) map[string]string {
	out := maps.Clone(want)
	if !sc.delete {
		for key, c := range only(before.resources, syncedTypes) {
			if _, ok := out[key]; !ok {
				out[key] = c
			}
		}
	}
	return out
}

// plan counts what a sync of want into a destination holding h does:
// resources to create, update, leave, and those only the destination
// holds (deleted under --delete). A blind destination is seen empty.
func (sc *scenario) plan(want map[string]string, h held) (created, updated, unchanged, stale int) {
	have := only(h.resources, syncedTypes)
	if sc.blind {
		return len(want), 0, 0, 0
	}
	for key, c := range want {
		switch old, ok := have[key]; {
		case !ok:
			created++
		case old != c:
			updated++
		default:
			unchanged++
		}
	}
	for key := range have {
		if _, ok := want[key]; !ok {
			stale++
		}
	}
	return created, updated, unchanged, stale
}

// summary is the line a sync of want into a destination holding h ends
// with.
func (sc *scenario) summary(want map[string]string, h held) string {
	created, updated, unchanged, stale := sc.plan(want, h)
	line := fmt.Sprintf("%d read: %d created, %d updated, %d unchanged, ", len(want), created, updated, unchanged)
	switch {
	case sc.delete:
		line += fmt.Sprintf("%d deleted", stale)
	case stale > 0:
		line += fmt.Sprintf("0 deleted (%d only in the destination; --delete removes them)", stale)
	default:
		line += "0 deleted"
	}
	return line
}

// compare describes how got differs from want, or is empty.
func compare(want, got map[string]string) string {
	var b strings.Builder
	for _, key := range slices.Sorted(maps.Keys(want)) {
		if g, ok := got[key]; !ok {
			fmt.Fprintf(&b, "  missing %s\n", key)
		} else if g != want[key] {
			fmt.Fprintf(&b, "  %s differs:\n    want %s\n    got  %s\n", key, want[key], g)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[key]; !ok {
			fmt.Fprintf(&b, "  extra %s\n", key)
		}
	}
	return b.String()
}

// hidden reports whether a slash path has a hidden element.
func hidden(name string) bool {
	return slices.ContainsFunc(strings.Split(name, "/"), func(s string) bool { return strings.HasPrefix(s, ".") })
}

// lastError is the error a run ended with, for the log.
func lastError(stderr string) string {
	for _, line := range slices.Backward(strings.Split(stderr, "\n")) {
		if strings.HasPrefix(line, "Error: ") {
			return "; " + line
		}
	}
	return ""
}
