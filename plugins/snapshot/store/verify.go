package store

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// VerifyReport is what Verify found.
type VerifyReport struct {
	Blobs     int   // blobs re-hashed
	Bytes     int64 // their size
	Manifests int   // snapshots checked
	// Problems name each corrupt or missing blob, with the resources and
	// snapshots that need it, and each manifest that cannot be read.
	Problems []string
}

// Verify re-hashes every blob and checks that every snapshot's resources
// are present and intact. It holds the shared lock, so a prune cannot
// remove blobs under it.
func (s *Store) Verify(ctx context.Context) (VerifyReport, error) {
	var rep VerifyReport
	lock, err := s.ShareLock(ctx)
	if err != nil {
		return rep, err
	}
	defer lock.Unlock()

	corrupt := map[string]string{} // hash -> what it hashes to
	err = filepath.WalkDir(s.path(blobsDir), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if d.IsDir() {
			return nil
		}
		name := d.Name()
		rel, _ := filepath.Rel(s.dir, path)
		if !ValidHash(name) || filepath.Base(filepath.Dir(path)) != name[:2] {
			rep.Problems = append(rep.Problems, fmt.Sprintf("unexpected file %s: not a blob name", rel))
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			rep.Problems = append(rep.Problems, fmt.Sprintf("unreadable blob %s: %s", rel, reason(err)))
			corrupt[name] = "unreadable"
			return nil
		}
		rep.Blobs++
		rep.Bytes += int64(len(data))
		if got := Hash(data); got != name {
			corrupt[name] = got
		}
		return nil
	})
	if err != nil {
		return rep, err
	}

	infos, listErr := s.List()
	if listErr != nil {
		for _, e := range strings.Split(listErr.Error(), "\n") {
			rep.Problems = append(rep.Problems, e)
		}
	}
	needs := map[string]*blobUsers{} // damaged or missing hash -> who needs it
	need := func(h, what, snapshot string) {
		u := needs[h]
		if u == nil {
			u = &blobUsers{}
			needs[h] = u
		}
		u.add(what, snapshot)
	}
	bad := func(h string) bool {
		_, isCorrupt := corrupt[h]
		return isCorrupt || !s.Has(h)
	}
	for _, in := range infos {
		rep.Manifests++
		st, err := s.readStored(in.Name)
		if err != nil {
			rep.Problems = append(rep.Problems, err.Error())
			continue
		}
		if bad(st.List) {
			need(st.List, "its resource list", in.Name)
			continue
		}
		chunks, err := s.chunks(st)
		if err != nil {
			rep.Problems = append(rep.Problems, err.Error())
			continue
		}
		for _, h := range chunks {
			if bad(h) {
				need(h, "its resource list", in.Name)
			}
		}
		m, err := s.Load(in.Name)
		if err != nil {
			continue // a damaged list is reported with its chunk
		}
		for _, e := range m.Resources {
			if bad(e.Hash) {
				need(e.Hash, e.Key(), in.Name)
			}
		}
	}
	hashes := make([]string, 0, len(corrupt)+len(needs))
	for h := range corrupt {
		hashes = append(hashes, h)
	}
	for h := range needs {
		if _, ok := corrupt[h]; !ok {
			hashes = append(hashes, h)
		}
	}
	sort.Strings(hashes)
	for _, h := range hashes {
		rel := filepath.Join(blobsDir, h[:2], h)
		var msg string
		switch got, ok := corrupt[h]; {
		case ok && got == "unreadable":
			continue // reported while walking
		case ok:
			msg = fmt.Sprintf("corrupt blob %s: its content hashes to %s", rel, got)
		default:
			msg = fmt.Sprintf("missing blob %s", rel)
		}
		if u := needs[h]; u != nil {
			msg += "; needed by " + u.String()
		} else {
			msg += "; no snapshot needs it"
		}
		rep.Problems = append(rep.Problems, msg)
	}
	return rep, nil
}

// blobUsers are the resources and snapshots that need one blob.
type blobUsers struct {
	what      []string
	snapshots []string
	seen      map[string]bool
}

func (u *blobUsers) add(what, snapshot string) {
	if u.seen == nil {
		u.seen = map[string]bool{}
	}
	if !u.seen["w"+what] {
		u.seen["w"+what] = true
		u.what = append(u.what, what)
	}
	if !u.seen["s"+snapshot] {
		u.seen["s"+snapshot] = true
		u.snapshots = append(u.snapshots, snapshot)
	}
}

func (u *blobUsers) String() string {
	in := " in snapshot "
	if len(u.snapshots) > 1 {
		in = " in snapshots "
	}
	return abbreviate(u.what, 5) + in + abbreviate(u.snapshots, 5)
}

func abbreviate(list []string, n int) string {
	if len(list) <= n {
		return strings.Join(list, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(list[:n], ", "), len(list)-n)
}
