package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Policy says which snapshots prune keeps; a snapshot any rule keeps
// stays. Counts of 0 keep nothing by that rule.
type Policy struct {
	// Last keeps the N newest snapshots.
	Last int
	// Daily keeps the newest snapshot of each of the N newest days (UTC)
	// that have one; Weekly the same per ISO week.
	Daily  int
	Weekly int
}

// Empty reports whether the policy keeps nothing.
func (p Policy) Empty() bool { return p.Last <= 0 && p.Daily <= 0 && p.Weekly <= 0 }

// Kept is a snapshot prune keeps, and the rules that keep it.
type Kept struct {
	Info
	Reasons []string
}

// PruneReport is what Prune removed (or, in a dry run, would remove).
type PruneReport struct {
	Kept    []Kept
	Removed []Info
	// Blobs no kept snapshot needs any more, and their size.
	Blobs int
	Bytes int64
}

// Retain applies p to infos (oldest first) and returns what it keeps and
// what it drops, newest first.
func Retain(infos []Info, p Policy) (kept []Kept, dropped []Info) {
	lastDay, lastWeek := "", ""
	days, weeks := 0, 0
	for i := len(infos) - 1; i >= 0; i-- {
		in := infos[i]
		var reasons []string
		if len(infos)-1-i < p.Last {
			reasons = append(reasons, "last")
		}
		t := in.Time.UTC()
		if day := t.Format("2006-01-02"); day != lastDay {
			lastDay = day
			if days < p.Daily {
				days++
				reasons = append(reasons, "daily")
			}
		}
		y, w := t.ISOWeek()
		if week := fmt.Sprintf("%d-W%02d", y, w); week != lastWeek {
			lastWeek = week
			if weeks < p.Weekly {
				weeks++
				reasons = append(reasons, "weekly")
			}
		}
		if len(reasons) > 0 {
			kept = append(kept, Kept{Info: in, Reasons: reasons})
		} else {
			dropped = append(dropped, in)
		}
	}
	return kept, dropped
}

// Prune removes the snapshots p does not keep, then every blob no
// remaining snapshot needs. It takes the store's exclusive lock first,
// waiting until ctx ends for snapshots in progress, so no snapshot being
// written loses a blob; a dry run takes the shared lock and changes
// nothing.
func (s *Store) Prune(ctx context.Context, p Policy, dryRun bool) (PruneReport, error) {
	var rep PruneReport
	if p.Empty() {
		return rep, errors.New("prune needs a policy: keep the last N, dailies or weeklies")
	}
	lock := s.ExclusiveLock
	if dryRun {
		lock = s.ShareLock
	}
	l, err := lock(ctx)
	if err != nil {
		return rep, err
	}
	defer l.Unlock()

	infos, err := s.List()
	if err != nil {
		return rep, fmt.Errorf("cannot prune while a manifest is unreadable (its blobs could be lost): %w", err)
	}
	rep.Kept, rep.Removed = Retain(infos, p)
	// Mark every blob a kept snapshot needs: its resources and its list.
	live := map[string]bool{}
	for _, k := range rep.Kept {
		st, err := s.readStored(k.Name)
		if err != nil {
			return rep, err
		}
		chunks, err := s.chunks(st)
		if err != nil {
			return rep, fmt.Errorf("cannot prune: %w (run `resource-sync snapshot verify`)", err)
		}
		live[st.List] = true
		for _, h := range chunks {
			live[h] = true
		}
		m, err := s.Load(k.Name)
		if err != nil {
			return rep, fmt.Errorf("cannot prune: %w (run `resource-sync snapshot verify`)", err)
		}
		for _, e := range m.Resources {
			live[e.Hash] = true
		}
	}
	if !dryRun {
		for _, in := range rep.Removed {
			if err := os.Remove(s.manifestPath(in.Name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return rep, err
			}
		}
		if err := syncDir(s.path(manifestsDir)); err != nil {
			return rep, err
		}
	}
	// Sweep. Removed manifests are gone first, so a crash here leaves only
	// unreferenced blobs, which the next prune removes.
	err = filepath.WalkDir(s.path(blobsDir), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || live[d.Name()] {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rep.Blobs++
		rep.Bytes += info.Size()
		if dryRun {
			return nil
		}
		return os.Remove(path)
	})
	if err != nil || dryRun {
		return rep, err
	}
	// No writer holds the lock, so anything in tmp/ is left over from a
	// killed one.
	leftovers, err := os.ReadDir(s.path(tmpDir))
	if err != nil {
		return rep, err
	}
	for _, e := range leftovers {
		if err := os.Remove(s.path(tmpDir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return rep, err
		}
	}
	return rep, nil
}
