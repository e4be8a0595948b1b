package host

import (
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// Kept pages (capability read-memos). A destination listed with an
// inventory (an HTTP API) is read page by page. The host keeps, in the
// user's cache directory, what it made of each page (its resources'
// identity, references and fingerprints, and the links it gave) with the
// endpoint's memo of the page (for HTTP its ETag and next links). The
// next sync hands the memos back before listing: a page unchanged since
// is a 304, answered as Document.unchanged, and the host takes what it
// kept instead of decoding and classifying the page again. Such a
// resource has no body; readUncached fetches, on a handle without
// conditional reads, the bodies the plan needs (an update, a delete).
//
// As with kept versions, the cache is an optimisation only: a file that
// is missing, torn or written under other rules is ignored.

// pagesFormat starts every pages file; it changes when the layout or
// what a fingerprint covers does.
const pagesFormat = "resource-sync destination pages 1\n"

// keptPages is what the last sync made of a destination's pages.
type keptPages struct {
	path string
	// last is the last sync's memory, by docKey; empty without one.
	last *docMemory
	// memos are the endpoint's memos of last's pages, handed back with
	// the first inventory call.
	memos []*pb.Memo
	// next is what this sync makes of the pages, recorded as they are
	// read or reused.
	next *docMemory
	// discard says this sync's listing had a problem: nothing is saved.
	discard bool
}

// keepsPages says whether the destination t is opened for conditional
// reads, to list its pages again in the next sync with what this one
// kept. Not in a session or a bisync (their runs are not set to), nor
// when told to read everything.
func (r *syncRun) keepsPages(t target) bool {
	return r.keepPages && !r.opts.ReadAll && t.kind == endpointPlugin &&
		t.entry.Has(CapInventory) && t.entry.Has(CapConditionalRead) && t.entry.Has(CapReadMemos)
}

// destPages loads what the last sync kept of dest's pages, or returns nil
// when none are kept: as for keptVersions, secret fields are only met
// while a document is classified.
func (r *syncRun) destPages(dest *openEndpoint) *keptPages {
	if !r.keepsPages(dest.target) || r.secretFields() {
		return nil
	}
	path := r.versionsPath(dest, "destination pages")
	if path == "" {
		return nil
	}
	p := &keptPages{path: path, last: newDocMemory(), next: newDocMemory()}
	last, memos, err := loadPages(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		r.h.logger.Debug("kept pages ignored", "file", path, "error", err)
	default:
		p.last, p.memos = last, memos
	}
	return p
}

// save keeps what this sync made of the pages that came with a memo and
// whose resources all have a uri.
func (p *keptPages) save() error {
	if p == nil || p.discard {
		return nil
	}
	p.next.mu.Lock()
	var made []*docMade
	same := len(p.next.docs) == len(p.last.docs)
	for k, m := range p.next.docs {
		if len(m.memo) > 0 && m.uri != "" && fetchable(m.found) {
			made = append(made, m)
		}
		same = same && p.last.docs[k] == m
	}
	p.next.mu.Unlock()
	switch {
	case len(made) == 0 && len(p.memos) == 0:
		return nil // nothing kept, nothing to keep
	case same && len(made) == len(p.memos):
		// Every page was the last sync's: used, so not pruned.
		now := time.Now()
		return os.Chtimes(p.path, now, now)
	}
	slices.SortFunc(made, func(a, b *docMade) int { return strings.Compare(a.uri, b.uri) })
	return writeKept(p.path, func(w *versionsWriter) error {
		strs := func(ss []string) {
			w.uvarint(uint64(len(ss)))
			for _, s := range ss {
				w.str(s)
			}
		}
		w.str(pagesFormat)
		w.uvarint(uint64(len(made)))
		for _, m := range made {
			w.str(m.uri)
			w.str(string(m.memo))
			strs(m.links)
			strs(m.aliases)
			w.uvarint(uint64(len(m.found)))
			for _, f := range m.found {
				w.entry(f)
			}
		}
		return nil
	})
}

// fetchable says every resource has a uri its body can be fetched at
// again (readUncached): a schema without uris (simple) keeps no page.
func fetchable(found []*found) bool {
	for _, f := range found {
		if f.rec.URI() == "" {
			return false
		}
	}
	return true
}

// loadPages reads a pages file: the memory it holds and the memos to hand
// back.
func loadPages(path string) (*docMemory, []*pb.Memo, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil {
		return nil, nil, err
	}
	return readPages(file, info.Size())
}

func readPages(r io.Reader, size int64) (*docMemory, []*pb.Memo, error) {
	rd, check, err := openVersionsReader(r, size, pagesFormat)
	if err != nil {
		return nil, nil, err
	}
	strs := func() []string {
		n := rd.uvarint()
		if rd.err != nil || n > uint64(size) {
			rd.err = errVersionsFile
			return nil
		}
		var ss []string
		for range n {
			ss = append(ss, rd.str())
		}
		return ss
	}
	mem := newDocMemory()
	var memos []*pb.Memo
	n := rd.uvarint()
	if rd.err != nil || n > uint64(size) {
		return nil, nil, errVersionsFile
	}
	for range n {
		made := &docMade{uri: rd.str()}
		made.memo = []byte(rd.str())
		made.links, made.aliases = strs(), strs()
		count := rd.uvarint()
		if rd.err != nil || count > uint64(size) {
			return nil, nil, errVersionsFile
		}
		for range count {
			f := rd.entry()
			if rd.err != nil {
				return nil, nil, errVersionsFile
			}
			made.found = append(made.found, f)
		}
		if rd.err != nil {
			return nil, nil, errVersionsFile
		}
		mem.docs["uri "+normalizeURI(made.uri)] = made
		memos = append(memos, &pb.Memo{Uri: made.uri, Memo: made.memo})
	}
	if err := check(); err != nil {
		return nil, nil, err
	}
	return mem, memos, nil
}
