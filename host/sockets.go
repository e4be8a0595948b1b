package host

import (
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
)

// socketDirPrefix starts the name of each host's socket directory in the
// temporary directory: resource-sync-PID-XXXX, the host's pid and four
// random characters. The pid lets a later host tell a directory whose
// owner is gone; the name stays short because a unix socket's path must
// fit in 108 bytes.
const socketDirPrefix = "resource-sync-"

var socketDirName = regexp.MustCompile(`^` + socketDirPrefix + `([0-9]+)-[0-9a-z]{4}$`)

// newSocketDir makes the directory the plugins' sockets go in, removed on
// Close. A host killed with SIGKILL cannot remove its own, so each host
// first removes those left by hosts that are no longer running.
func newSocketDir() (string, error) {
	tmp := os.TempDir()
	removeStaleSocketDirs(tmp)
	const chars = "0123456789abcdefghijklmnopqrstuvwxyz"
	for {
		name := []byte(socketDirPrefix + strconv.Itoa(os.Getpid()) + "-xxxx")
		suffix := name[len(name)-4:]
		rand.Read(suffix)
		for i, b := range suffix {
			suffix[i] = chars[int(b)%len(chars)]
		}
		dir := filepath.Join(tmp, string(name))
		err := os.Mkdir(dir, 0o700)
		if !errors.Is(err, fs.ErrExist) {
			return dir, err
		}
	}
}

// removeStaleSocketDirs removes the socket directories in tmp whose host
// process no longer exists. A directory whose pid is running again (a
// reused pid), another user's, or one named otherwise is left alone.
func removeStaleSocketDirs(tmp string) {
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return
	}
	for _, e := range entries {
		m := socketDirName.FindStringSubmatch(e.Name())
		if m == nil || !e.IsDir() {
			continue
		}
		pid, err := strconv.Atoi(m[1])
		if err != nil || pid <= 0 || processExists(pid) {
			continue
		}
		dir := filepath.Join(tmp, e.Name())
		if info, err := os.Lstat(dir); err != nil || !ownedByMe(info) {
			continue
		}
		os.RemoveAll(dir)
	}
}

// processExists reports whether pid is a running process; when in doubt
// (it exists but is another user's), yes.
func processExists(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func ownedByMe(info os.FileInfo) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid()
}
