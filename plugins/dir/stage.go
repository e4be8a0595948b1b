package dir

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/resource-sync/resource-sync/plugins/internal/fileutil"
	"github.com/resource-sync/resource-sync/sdk"
)

// StagingDir is the hidden directory, inside the destination, where a
// write puts its files before they are renamed into place. Being inside
// the destination keeps it on the same file system (renames are atomic)
// and, being hidden, Read never takes what is in it for a resource.
//
// Each Write stages into a directory of its own, stagePrefix and random
// hex, that it holds an flock(2) on. A process killed mid-write (kill -9,
// a crash) loses its lock with it, so the next Write into the destination
// removes every staging directory it can lock.
const StagingDir = ".resource-sync-staging"

const stagePrefix = "w-"

var stageName = regexp.MustCompile(`^` + stagePrefix + `[0-9a-f]{16}$`)

// stage is one Write's staging directory.
type stage struct {
	parent *os.File // StagingDir
	dir    *os.File // ours, locked
	name   string
	next   int // names the next staged file
	dirs   int // names the next fresh type directory
}

// newStage makes this Write's staging directory inside root, after
// removing those of writes that are gone.
func newStage(root *os.Root) (*stage, error) {
	// A concurrent write may remove an empty StagingDir just as we make
	// ours in it; that is retried.
	var lastErr error
	for range 5 {
		st, err := tryNewStage(root)
		if err == nil {
			return st, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func tryNewStage(root *os.Root) (*stage, error) {
	if err := root.Mkdir(StagingDir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	parent, err := root.Open(StagingDir)
	if err != nil {
		return nil, err
	}
	removeAbandonedStages(parent)
	var random [8]byte
	rand.Read(random[:])
	name := stagePrefix + hex.EncodeToString(random[:])
	pfd := int(parent.Fd())
	if err := retryEINTR(func() error { return unix.Mkdirat(pfd, name, 0o700) }); err != nil {
		parent.Close()
		return nil, &fs.PathError{Op: "mkdir", Path: StagingDir + "/" + name, Err: err}
	}
	dir, err := openDirAt(pfd, name)
	if err != nil {
		parent.Close()
		return nil, err
	}
	// Another write's cleanup may have locked and removed the directory
	// between our mkdir and our lock: then its name is gone, or names
	// another directory.
	var held, named unix.Stat_t
	err = retryEINTR(func() error { return unix.Flock(int(dir.Fd()), unix.LOCK_EX|unix.LOCK_NB) })
	if err == nil {
		err = retryEINTR(func() error { return unix.Fstat(int(dir.Fd()), &held) })
	}
	if err == nil {
		err = retryEINTR(func() error { return unix.Fstatat(pfd, name, &named, unix.AT_SYMLINK_NOFOLLOW) })
	}
	if err == nil && (held.Dev != named.Dev || held.Ino != named.Ino) {
		err = errors.New("staging directory replaced by another write")
	}
	if err != nil {
		dir.Close()
		parent.Close()
		return nil, err
	}
	return &stage{parent: parent, dir: dir, name: name}, nil
}

// removeAbandonedStages removes the staging directories in parent that
// no running write holds, with the files in them.
func removeAbandonedStages(parent *os.File) {
	names, err := parent.Readdirnames(-1)
	if err != nil {
		return
	}
	pfd := int(parent.Fd())
	for _, name := range names {
		if !stageName.MatchString(name) {
			continue
		}
		dir, err := openDirAt(pfd, name)
		if err != nil {
			continue
		}
		if retryEINTR(func() error { return unix.Flock(int(dir.Fd()), unix.LOCK_EX|unix.LOCK_NB) }) == nil {
			removeContents(dir)
			if err := retryEINTR(func() error { return unix.Unlinkat(pfd, name, unix.AT_REMOVEDIR) }); err == nil {
				sdk.Logger().Debug("removed the staging directory of an interrupted write", "dir", StagingDir+"/"+name)
			}
		}
		dir.Close() // releases the lock
	}
}

// removeContents removes what a staging directory holds: staged files,
// and fresh type directories with the files in them.
func removeContents(dir *os.File) {
	names, err := dir.Readdirnames(-1)
	if err != nil {
		return
	}
	fd := int(dir.Fd())
	for _, name := range names {
		if err := unlinkAt(fd, name); !errors.Is(err, unix.EISDIR) {
			continue
		}
		if sub, err := openDirAt(fd, name); err == nil {
			removeContents(sub)
			sub.Close()
		}
		retryEINTR(func() error { return unix.Unlinkat(fd, name, unix.AT_REMOVEDIR) })
	}
}

// nextName names the next staged file. The name is a counter: it never
// grows with the id, so any id whose final name fits the file system can
// be staged.
func (s *stage) nextName() string {
	name := strconv.Itoa(s.next)
	s.next++
	return name
}

// freshDir makes a directory in the stage, to stage a type directory
// that does not exist yet under its final name. Its name ("d" and a
// count) is never a staged file's.
func (s *stage) freshDir() (*os.File, string, error) {
	name := "d" + strconv.Itoa(s.dirs)
	s.dirs++
	fd := int(s.dir.Fd())
	if err := retryEINTR(func() error { return unix.Mkdirat(fd, name, uint32(fileutil.DirPerm)) }); err != nil {
		return nil, "", err
	}
	dir, err := openDirAt(fd, name)
	if err != nil {
		unix.Unlinkat(fd, name, unix.AT_REMOVEDIR)
		return nil, "", err
	}
	return dir, name, nil
}

// write writes content to a new file name in dirfd, the staging
// directory or a fresh directory in it; n numbers the file in this
// write. keepPerm, when set, is the mode of the file this one will
// replace. It is safe for concurrent use.
func (s *stage) write(dirfd int, name string, n int64, content []byte, keepPerm uint32, sync bool) error {
	if testHookStageWrite != nil {
		if err := testHookStageWrite(n); err != nil {
			return err
		}
	}
	perm, exact := uint32(fileutil.FilePerm), false
	if keepPerm != 0 {
		perm, exact = keepPerm, true
	}
	if err := createFileAt(dirfd, name, content, perm, exact, sync); err != nil {
		unlinkAt(dirfd, name)
		return err
	}
	return nil
}

// testHookStageWrite, when set by a test, fails the staging of a file by
// its number in the write.
var testHookStageWrite func(n int64) error

// close removes the staging directory, and StagingDir too when no other
// write is using it.
func (s *stage) close(root *os.Root) {
	removeContents(s.dir)
	retryEINTR(func() error { return unix.Unlinkat(int(s.parent.Fd()), s.name, unix.AT_REMOVEDIR) })
	s.dir.Close()
	s.parent.Close()
	root.Remove(StagingDir) // fails while another write stages there
}

// legacyTempName matches the temporary files of earlier versions, which
// wrote each file through renameio: "." + the file's name + a random
// int64, in the destination's top directory. An interrupted write could
// leave one behind.
var legacyTempName = regexp.MustCompile(`^\..+[^0-9][0-9]{10,19}$`)

// removeLegacyTempFiles removes those leftovers: hidden regular files at
// the top of the destination named like a resource file plus ten or more
// digits. (renameio draws the digits uniformly from int64, so a real one
// has fewer than ten with odds of 1 in 10^9.)
func removeLegacyTempFiles(root *os.Root, exts fileutil.Extensions) {
	top, err := root.Open(".")
	if err != nil {
		return
	}
	defer top.Close()
	entries, err := top.ReadDir(-1)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !legacyTempName.MatchString(e.Name()) || !e.Type().IsRegular() {
			continue
		}
		if _, ok := exts.Match(strings.TrimRight(e.Name(), "0123456789")); !ok {
			continue
		}
		if err := unlinkAt(int(top.Fd()), e.Name()); err == nil {
			sdk.Logger().Debug("removed the temporary file of an interrupted write", "file", e.Name())
		}
	}
}

// stagingError names the staging directory in a message.
func stagingError(location string, err error) *sdk.Error {
	return &sdk.Error{Source: location, Msg: fmt.Sprintf("cannot prepare %s/ for writing: %s", StagingDir, fileutil.Reason(err))}
}
