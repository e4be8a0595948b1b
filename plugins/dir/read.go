package dir

import (
	"context"
	"errors"
	"io/fs"
	"iter"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/resource-sync/resource-sync/plugins/internal/fileutil"
	"github.com/resource-sync/resource-sync/sdk"
	"golang.org/x/sys/unix"
)

// Read yields every resource file below the directory in sorted order:
// files whose extension some formatter claims, outside hidden directories
// (".git", StagingDir) and not hidden themselves. Other files (a README)
// are skipped.
//
// Each directory is opened once and listed once; its files are opened
// relative to it, so reading a file costs an openat, an fstat, the reads
// and a close.
func (e *Endpoint) Read(ctx context.Context) iter.Seq2[sdk.Document, error] {
	return e.walk(ctx, false)
}

// Versions yields what Read would, each file with its version and without
// its content: the listing costs one fstatat per file and reads none.
func (e *Endpoint) Versions(ctx context.Context) iter.Seq2[sdk.Document, error] {
	return e.walk(ctx, true)
}

// ReadLocations reads the files at locations (paths relative to the
// directory, from Versions) as Read would. One that is gone is left out;
// one that is no resource file (hidden, or of an extension no formatter
// reads) is refused.
func (e *Endpoint) ReadLocations(ctx context.Context, locations []string) iter.Seq2[sdk.Document, error] {
	return func(yield func(sdk.Document, error) bool) {
		root := e.existingRoot()
		if root == nil {
			return
		}
		now := time.Now()
		var dirs lastDir
		defer dirs.close()
		for _, rel := range locations {
			if err := ctx.Err(); err != nil {
				yield(sdk.Document{}, err)
				return
			}
			doc, err := e.readLocation(root, &dirs, rel, now)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				continue
			case err != nil:
				if !yield(sdk.Document{}, &sdk.Error{Source: e.source(rel), Msg: fileutil.Reason(err)}) {
					return
				}
				continue
			}
			if !yield(doc, nil) {
				return
			}
		}
	}
}

// lastDir keeps the directory of the last location read open: locations
// come mostly grouped by type, and opening the type directory again for
// each file was a tenth of a push's reading.
type lastDir struct {
	rel  string
	file *os.File
}

func (d *lastDir) open(root *os.Root, rel string) (*os.File, error) {
	if d.file != nil && d.rel == rel {
		return d.file, nil
	}
	d.close()
	f, err := root.Open(rel)
	if err != nil {
		return nil, err
	}
	d.rel, d.file = rel, f
	return f, nil
}

func (d *lastDir) close() {
	if d.file != nil {
		d.file.Close()
		d.file = nil
	}
}

func (e *Endpoint) readLocation(root *os.Root, dirs *lastDir, rel string, now time.Time) (sdk.Document, error) {
	if !fs.ValidPath(rel) || rel == "." {
		return sdk.Document{}, errors.New("not a path inside the directory")
	}
	for _, elem := range strings.Split(rel, "/") {
		if fileutil.IsHidden(elem) {
			return sdk.Document{}, errors.New("a hidden file or directory")
		}
	}
	dirRel, name := path.Split(rel)
	ext, ok := e.exts.Match(name)
	if !ok {
		return sdk.Document{}, errors.New("no formatter reads this extension")
	}
	dir, err := dirs.open(root, path.Clean("./"+dirRel))
	if err != nil {
		return sdk.Document{}, err
	}
	r := reader{e: e, root: root, now: now}
	content, version, err := r.read(dir, name, rel, nil)
	if err != nil {
		return sdk.Document{}, err
	}
	return e.document(rel, ext, content, version), nil
}

// document is the file at rel as Read yields it.
func (e *Endpoint) document(rel, ext string, content []byte, version string) sdk.Document {
	return sdk.Document{
		Content:   content,
		Extension: ext,
		Source:    e.source(rel),
		TypeHint:  typeHint(rel),
		Location:  rel,
		// The layout holds one resource per file.
		SingleValue: true,
		Version:     version,
	}
}

// walk yields every resource file: read, or listed with its version only.
func (e *Endpoint) walk(ctx context.Context, versionsOnly bool) iter.Seq2[sdk.Document, error] {
	return func(yield func(sdk.Document, error) bool) {
		root := e.existingRoot()
		if root == nil {
			return // a destination not created yet holds nothing
		}
		top, err := root.Open(".")
		if err != nil {
			yield(sdk.Document{}, &sdk.Error{Source: e.location, Msg: fileutil.Reason(err)})
			return
		}
		defer top.Close()
		r := reader{e: e, root: root, ctx: ctx, yield: yield, versionsOnly: versionsOnly, now: time.Now()}
		if !r.walk(top, ".") {
			return
		}
		if err := ctx.Err(); err != nil {
			yield(sdk.Document{}, err)
		}
	}
}

// reader is one Read's walk.
type reader struct {
	e     *Endpoint
	root  *os.Root
	ctx   context.Context
	yield func(sdk.Document, error) bool
	// versionsOnly lists each file's version instead of reading it.
	versionsOnly bool
	// now is when the walk began, for fileVersion.
	now time.Time
}

// walk yields the resource files below dir, which is rel inside the
// root. It returns false once the walk must stop (cancelled, or the
// consumer stopped).
func (r *reader) walk(dir *os.File, rel string) bool {
	entries, err := dir.ReadDir(-1)
	if err != nil {
		return r.problem(rel, err)
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	for _, d := range entries {
		if r.ctx.Err() != nil {
			r.yield(sdk.Document{}, r.ctx.Err())
			return false
		}
		name := d.Name()
		if fileutil.IsHidden(name) {
			continue
		}
		childRel := path.Join(rel, name)
		if d.IsDir() {
			sub, err := openDirAt(int(dir.Fd()), name)
			if err != nil {
				if !r.problem(childRel, err) {
					return false
				}
				continue
			}
			ok := r.walk(sub, childRel)
			sub.Close()
			if !ok {
				return false
			}
			continue
		}
		ext, ok := r.e.exts.Match(name)
		if !ok {
			sdk.Logger().Info("skipping a file no formatter reads", "file", r.e.source(childRel))
			continue
		}
		var content []byte
		var version string
		if r.versionsOnly {
			version, err = r.version(dir, name)
		} else {
			content, version, err = r.read(dir, name, childRel, d)
		}
		if err != nil {
			if !r.problem(childRel, err) {
				return false
			}
			continue
		}
		if !r.yield(r.e.document(childRel, ext, content, version), nil) {
			return false
		}
	}
	return true
}

// read reads a regular file, or a symlink to one inside the tree; a
// named pipe or device would block or never end. A symlink has no
// version: it is read every time. d is nil when the file was not listed.
func (r *reader) read(dir *os.File, name, rel string, d fs.DirEntry) (content []byte, version string, err error) {
	if d == nil || d.Type().IsRegular() {
		var st unix.Stat_t
		content, _, err := readFileStatAt(int(dir.Fd()), name, -1, &st)
		if err == nil || !errors.Is(err, errSymlink) {
			return content, fileVersion(&st, r.now), err
		}
		// It became a symlink since the listing: resolve it as below.
	}
	fsys := r.root.FS()
	info, err := fs.Stat(fsys, rel)
	if err != nil {
		return nil, "", err
	}
	if !info.Mode().IsRegular() {
		return nil, "", errors.New("not a regular file")
	}
	content, err = fs.ReadFile(fsys, rel)
	return content, "", err
}

// version is the version of the file name in dir, without reading it.
func (r *reader) version(dir *os.File, name string) (string, error) {
	var st unix.Stat_t
	if err := lstatAt(int(dir.Fd()), name, &st); err != nil {
		return "", err
	}
	return fileVersion(&st, r.now), nil
}

// problem reports one unreadable file or directory and says whether to go
// on.
func (r *reader) problem(rel string, err error) bool {
	return r.yield(sdk.Document{}, &sdk.Error{Source: r.e.source(rel), Msg: fileutil.Reason(err)})
}
