package dir

import (
	"errors"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// The write and read paths work on directory file descriptors with plain
// openat, write, renameat and fstatat: one directory fd per type instead
// of an os.Root walk (open and close of the type directory) around every
// file operation, and no poller registration for regular files. Each name
// they are given is a single path element checked by checkName, and
// O_NOFOLLOW keeps a symlink planted at a resource's name from leading a
// read or write anywhere else. Directories themselves are opened through
// the endpoint's os.Root, which keeps symlinks inside the tree.

// retryEINTR repeats a system call interrupted by a signal (the Go
// runtime sends some), as the os package does.
func retryEINTR(f func() error) error {
	for {
		if err := f(); !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// openDirAt opens the directory name inside the directory dirfd, refusing
// a symlink.
func openDirAt(dirfd int, name string) (*os.File, error) {
	var fd int
	err := retryEINTR(func() (err error) {
		fd, err = unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return os.NewFile(uintptr(fd), name), nil
}

// createFileAt writes content to a new file name inside dirfd, which must
// not exist, with mode perm (before the umask, unless exact). With sync it
// is flushed to disk before it is closed.
func createFileAt(dirfd int, name string, content []byte, perm uint32, exact, sync bool) error {
	var fd int
	err := retryEINTR(func() (err error) {
		fd, err = unix.Openat(dirfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, perm)
		return err
	})
	if err != nil {
		return err
	}
	if exact {
		err = retryEINTR(func() error { return unix.Fchmod(fd, perm) })
	}
	for len(content) > 0 && err == nil {
		var n int
		err = retryEINTR(func() (err error) {
			n, err = unix.Write(fd, content)
			return err
		})
		content = content[n:]
	}
	if err == nil && sync {
		err = retryEINTR(func() error { return unix.Fsync(fd) })
	}
	if cerr := unix.Close(fd); err == nil {
		err = cerr
	}
	return err
}

// fileInfoAt describes name inside dirfd without following a symlink.
type fileInfoAt struct {
	regular bool
	size    int64
	perm    uint32
}

func statAt(dirfd int, name string) (fileInfoAt, error) {
	var st unix.Stat_t
	if err := lstatAt(dirfd, name, &st); err != nil {
		return fileInfoAt{}, err
	}
	return fileInfoAt{regular: st.Mode&unix.S_IFMT == unix.S_IFREG, size: st.Size, perm: st.Mode & 0o7777}, nil
}

// lstatAt fills st with the status of name inside dirfd, without
// following a symlink.
func lstatAt(dirfd int, name string, st *unix.Stat_t) error {
	return retryEINTR(func() error { return unix.Fstatat(dirfd, name, st, unix.AT_SYMLINK_NOFOLLOW) })
}

// readFileAt reads the regular file name inside dirfd. With wantSize >= 0
// a file of another size is not read and ok is false, so that a
// comparison stops at the size.
func readFileAt(dirfd int, name string, wantSize int64) (content []byte, ok bool, err error) {
	var st unix.Stat_t
	return readFileStatAt(dirfd, name, wantSize, &st)
}

// readFileStatAt is readFileAt that also fills st with the file's status
// as it was opened.
func readFileStatAt(dirfd int, name string, wantSize int64, st *unix.Stat_t) (content []byte, ok bool, err error) {
	var fd int
	err = retryEINTR(func() (err error) {
		fd, err = unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	defer unix.Close(fd)
	if err := retryEINTR(func() error { return unix.Fstat(fd, st) }); err != nil {
		return nil, false, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, false, errors.New("not a regular file")
	}
	if wantSize >= 0 && st.Size != wantSize {
		return nil, false, nil
	}
	// One byte more than the size, to see the end of a file that grew.
	buf := make([]byte, 0, st.Size+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		var n int
		err := retryEINTR(func() (err error) {
			n, err = unix.Read(fd, buf[len(buf):cap(buf)])
			return err
		})
		if err != nil {
			return nil, false, err
		}
		if n == 0 {
			return buf, true, nil
		}
		buf = buf[:len(buf)+n]
	}
}

// openFileAt opens the file name inside dirfd for reading.
func openFileAt(dirfd int, name string) (*os.File, error) {
	var fd int
	err := retryEINTR(func() (err error) {
		fd, err = unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return os.NewFile(uintptr(fd), name), nil
}

// renameAt moves oldName in oldDir to newName in newDir, replacing it.
func renameAt(oldDir int, oldName string, newDir int, newName string) error {
	return retryEINTR(func() error { return unix.Renameat(oldDir, oldName, newDir, newName) })
}

// unlinkAt removes the file name inside dirfd; a missing one is no error.
func unlinkAt(dirfd int, name string) error {
	err := retryEINTR(func() error { return unix.Unlinkat(dirfd, name, 0) })
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	return err
}

// fsyncFile flushes an open file or directory to disk.
func fsyncFile(f *os.File) error {
	return retryEINTR(func() error { return unix.Fsync(int(f.Fd())) })
}

// errSymlink is what opening a symlink with O_NOFOLLOW fails with.
var errSymlink error = unix.ELOOP
