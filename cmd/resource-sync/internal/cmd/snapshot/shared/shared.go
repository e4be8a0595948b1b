// Package shared is what the snapshot commands have in common: opening a
// store, choosing a snapshot, printing sizes and JSON diffs.
package shared

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/resource-sync/resource-sync/plugins/snapshot/store"
)

// Select opens the store in dir and picks a snapshot by name or time
// (the latest for "").
func Select(dir, sel string) (*store.Store, store.Info, error) {
	s, err := store.Open(dir)
	if err != nil {
		return nil, store.Info{}, err
	}
	infos, err := s.List()
	if len(infos) == 0 && err != nil {
		return nil, store.Info{}, err
	}
	in, rerr := store.Resolve(infos, sel)
	if rerr != nil {
		return nil, store.Info{}, fmt.Errorf("%s: %w", dir, rerr)
	}
	return s, in, nil
}

// Size prints a byte count for people: 512 B, 1.5 KiB, 9.4 MiB.
func Size(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// WriteUnifiedDiff writes a unified diff of two JSON documents, each
// indented first so that a change shows as the lines it touches. Either
// may be nil (created, deleted: its side is labelled /dev/null, as git
// does). Labels name the two sides.
func WriteUnifiedDiff(w io.Writer, oldLabel, newLabel string, oldJSON, newJSON []byte) error {
	a, err := jsonLines(oldJSON)
	if err != nil {
		return fmt.Errorf("%s: %w", oldLabel, err)
	}
	b, err := jsonLines(newJSON)
	if err != nil {
		return fmt.Errorf("%s: %w", newLabel, err)
	}
	if oldJSON == nil {
		oldLabel = "/dev/null"
	}
	if newJSON == nil {
		newLabel = "/dev/null"
	}
	return difflib.WriteUnifiedDiff(w, difflib.UnifiedDiff{A: a, B: b, FromFile: oldLabel, ToFile: newLabel, Context: 3})
}

// jsonLines indents data, keeping numbers and key order exactly as
// stored, and splits it into lines that keep their newline.
func jsonLines(data []byte) ([]string, error) {
	if data == nil {
		return nil, nil
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, data, "", "  "); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	lines := strings.SplitAfter(buf.String(), "\n")
	return lines[:len(lines)-1], nil // the empty string after the last newline
}
