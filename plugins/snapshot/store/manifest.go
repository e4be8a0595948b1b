package store

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Entry is one resource of a snapshot.
type Entry struct {
	Type    string   `json:"type"`
	ID      string   `json:"id"`
	URI     string   `json:"uri,omitempty"`
	Parents []string `json:"parents,omitempty"`
	// Hash names the blob holding the resource's canonical JSON; Size is
	// its length in bytes.
	Hash string `json:"hash"`
	Size int64  `json:"size"`
}

// Key identifies the resource within a snapshot: "TYPE/ID".
func (e Entry) Key() string { return e.Type + "/" + e.ID }

// Info describes a snapshot without its resources.
type Info struct {
	Name string    `json:"name"`
	Time time.Time `json:"time"`
	// Origins are the locations the snapshot was taken from, Filters the
	// patterns that scoped it; Follow and Schema say how links were
	// followed and resources recognised.
	Origins []string `json:"origins,omitempty"`
	Filters []string `json:"filters,omitempty"`
	Follow  string   `json:"follow,omitempty"`
	Schema  string   `json:"schema,omitempty"`
	// Count resources of Size bytes in all.
	Count int   `json:"count"`
	Size  int64 `json:"size"`
}

// Manifest is a snapshot: what it is and the resources it holds, in
// (type, id) order.
type Manifest struct {
	Info
	Resources []Entry `json:"resources"`
}

// stored is a manifest file. The resource list lives in blobs: List
// names a gzip JSON array of chunk hashes, each chunk a gzip JSON array
// of entries, so the file stays small and a day's snapshot costs only the
// chunks that changed and one list.
type stored struct {
	Format int `json:"format"`
	Info
	List string `json:"list"`
}

// Chunking: a chunk ends after a resource whose key hashes to 0 modulo
// chunkAverage, or at chunkMax resources. Boundaries depend on keys only,
// so a changed resource changes one chunk, and an added or removed one
// at most two.
const (
	chunkAverage = 16
	chunkMax     = 64
)

// ErrExists says a snapshot of that name is there already; ErrNoSnapshot
// that none is.
var (
	ErrExists     = errors.New("a snapshot of that name exists")
	ErrNoSnapshot = errors.New("no snapshot")
)

// ValidName reports whether name can name a snapshot: letters, digits,
// '.', '_' and '-', starting with a letter or digit, at most 128 bytes.
func ValidName(name string) bool {
	if name == "" || len(name) > 128 {
		return false
	}
	for i, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case i > 0 && (r == '.' || r == '_' || r == '-'):
		default:
			return false
		}
	}
	return true
}

// NameFor is the name a snapshot taken at t gets when none is given:
// its UTC time, sortable and safe in file names and URLs.
func NameFor(t time.Time) string { return t.UTC().Format("2006-01-02T150405Z") }

// Commit saves m as a new snapshot after the blobs written so far: it
// writes the resource list's chunks, makes every blob durable, then
// writes the manifest atomically. An empty m.Name gets NameFor(m.Time)
// (with a suffix when taken); a given name that is taken is ErrExists.
// It returns the name. The caller holds a ShareLock.
func (w *BlobWriter) Commit(m *Manifest) (string, error) {
	if m.Time.IsZero() {
		m.Time = time.Now()
	}
	m.Time = m.Time.UTC()
	if m.Name != "" && !ValidName(m.Name) {
		return "", fmt.Errorf("invalid snapshot name %q: use letters, digits, '.', '_' and '-'", m.Name)
	}
	if err := SortEntries(m.Resources); err != nil {
		return "", err
	}
	st := stored{Format: FormatVersion, Info: m.Info}
	st.Count, st.Size = len(m.Resources), 0
	for _, e := range m.Resources {
		st.Size += e.Size
	}
	var enc chunkEncoder
	chunks := []string{}
	for _, c := range chunk(m.Resources) {
		data, err := enc.encode(c)
		if err != nil {
			return "", err
		}
		h, _, err := w.Put(data)
		if err != nil {
			return "", err
		}
		chunks = append(chunks, h)
	}
	data, err := enc.encode(chunks)
	if err != nil {
		return "", err
	}
	if st.List, _, err = w.Put(data); err != nil {
		return "", err
	}
	if err := w.Sync(); err != nil {
		return "", err
	}
	generated := m.Name == ""
	base := m.Name
	if generated {
		base = NameFor(m.Time)
	}
	for n := 1; ; n++ {
		st.Name = base
		if n > 1 {
			st.Name = base + "-" + strconv.Itoa(n)
		}
		data, err := json.MarshalIndent(st, "", " ")
		if err != nil {
			return "", err
		}
		err = writeFileAtomic(w.s.path(tmpDir), w.s.manifestPath(st.Name), append(data, '\n'), false)
		if errors.Is(err, fs.ErrExist) {
			if generated && n < 1000 {
				continue
			}
			return "", fmt.Errorf("snapshot %s: %w", st.Name, ErrExists)
		}
		if err != nil {
			return "", err
		}
		m.Name, m.Count, m.Size = st.Name, st.Count, st.Size
		return st.Name, syncDir(w.s.path(manifestsDir))
	}
}

// SortEntries puts entries in (type, id) order and refuses what cannot
// be stored: an invalid hash, a resource without type or id, or the same
// resource twice.
func SortEntries(entries []Entry) error {
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].Type != entries[j].Type {
			return entries[i].Type < entries[j].Type
		}
		return entries[i].ID < entries[j].ID
	})
	for i, e := range entries {
		switch {
		case e.Type == "" || e.ID == "":
			return fmt.Errorf("resource %q: a snapshot needs a type and an id for every resource", e.Key())
		case !ValidHash(e.Hash):
			return fmt.Errorf("resource %s: invalid hash %q", e.Key(), e.Hash)
		case e.Size < 0:
			return fmt.Errorf("resource %s: negative size", e.Key())
		case i > 0 && entries[i-1].Type == e.Type && entries[i-1].ID == e.ID:
			return fmt.Errorf("resource %s appears twice", e.Key())
		}
	}
	return nil
}

func chunk(entries []Entry) [][]Entry {
	var out [][]Entry
	start := 0
	for i, e := range entries {
		k := sha256.Sum256([]byte(e.Type + "\x00" + e.ID))
		if binary.BigEndian.Uint32(k[:4])%chunkAverage == 0 || i+1-start >= chunkMax {
			out = append(out, entries[start:i+1])
			start = i + 1
		}
	}
	if start < len(entries) {
		out = append(out, entries[start:])
	}
	return out
}

// chunkEncoder gzips chunks, reusing its compressor (a large allocation);
// BestSpeed, because an unchanged day re-encodes every chunk to find it
// stored already.
// Its output is deterministic, so an unchanged chunk is the same blob.
type chunkEncoder struct {
	zw *gzip.Writer
}

func (c *chunkEncoder) encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	if c.zw == nil {
		zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		if err != nil {
			return nil, err
		}
		c.zw = zw
	} else {
		c.zw.Reset(&buf)
	}
	if err := json.NewEncoder(c.zw).Encode(v); err != nil {
		return nil, err
	}
	if err := c.zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func decodeGzipJSON(data []byte, v any) error {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return err
	}
	if err := json.NewDecoder(zr).Decode(v); err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, zr) // reaches the end, so the gzip checksum is checked
	return err
}

// chunks reads the list of st's chunk blobs.
func (s *Store) chunks(st *stored) ([]string, error) {
	data, err := s.ReadBlob(st.List)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: its resource list is damaged: %w", st.Name, err)
	}
	var chunks []string
	if err := decodeGzipJSON(data, &chunks); err != nil {
		return nil, fmt.Errorf("snapshot %s: its resource list is damaged: list %s: %v", st.Name, st.List, err)
	}
	return chunks, nil
}

func (s *Store) manifestPath(name string) string { return s.path(manifestsDir, name+".json") }

func (s *Store) readStored(name string) (*stored, error) {
	if !ValidName(name) {
		return nil, fmt.Errorf("%w %q in %s", ErrNoSnapshot, name, s.dir)
	}
	data, err := os.ReadFile(s.manifestPath(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w %q in %s", ErrNoSnapshot, name, s.dir)
	}
	if err != nil {
		return nil, err
	}
	var st stored
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("%s: damaged manifest: %v", s.manifestPath(name), err)
	}
	if st.Format != FormatVersion {
		return nil, fmt.Errorf("%s: manifest format %d; this resource-sync reads format %d", s.manifestPath(name), st.Format, FormatVersion)
	}
	st.Name = name
	return &st, nil
}

// Load reads a snapshot's manifest with its resources.
func (s *Store) Load(name string) (*Manifest, error) {
	st, err := s.readStored(name)
	if err != nil {
		return nil, err
	}
	chunks, err := s.chunks(st)
	if err != nil {
		return nil, err
	}
	m := &Manifest{Info: st.Info, Resources: make([]Entry, 0, st.Count)}
	for _, h := range chunks {
		data, err := s.ReadBlob(h)
		if err != nil {
			return nil, fmt.Errorf("snapshot %s: its resource list is damaged: %w", name, err)
		}
		var entries []Entry
		if err := decodeGzipJSON(data, &entries); err != nil {
			return nil, fmt.Errorf("snapshot %s: its resource list is damaged: chunk %s: %v", name, h, err)
		}
		m.Resources = append(m.Resources, entries...)
	}
	return m, nil
}

// List describes every snapshot, oldest first. A manifest that cannot be
// read is left out and named in the error, next to the others.
func (s *Store) List() ([]Info, error) {
	dirEntries, err := os.ReadDir(s.path(manifestsDir))
	if err != nil {
		return nil, err
	}
	var infos []Info
	var problems []error
	for _, d := range dirEntries {
		name, ok := strings.CutSuffix(d.Name(), ".json")
		if !ok || !ValidName(name) {
			continue
		}
		st, err := s.readStored(name)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		infos = append(infos, st.Info)
	}
	sortInfos(infos)
	return infos, errors.Join(problems...)
}

func sortInfos(infos []Info) {
	sort.SliceStable(infos, func(i, j int) bool {
		if !infos[i].Time.Equal(infos[j].Time) {
			return infos[i].Time.Before(infos[j].Time)
		}
		return infos[i].Name < infos[j].Name
	})
}

// Resolve picks a snapshot from infos (oldest first) by what follows '@'
// in a location: "" is the latest; an exact name wins; else an RFC 3339
// time or a date (YYYY-MM-DD, a UTC day, up to its end) selects the
// latest snapshot taken at or before it.
func Resolve(infos []Info, sel string) (Info, error) {
	if len(infos) == 0 {
		return Info{}, errors.New("it holds no snapshot")
	}
	if sel == "" {
		return infos[len(infos)-1], nil
	}
	for _, in := range infos {
		if in.Name == sel {
			return in, nil
		}
	}
	var until time.Time
	if t, err := time.Parse(time.RFC3339, sel); err == nil {
		until = t
	} else if d, err := time.Parse(time.DateOnly, sel); err == nil {
		until = d.AddDate(0, 0, 1).Add(-time.Nanosecond)
	} else {
		return Info{}, fmt.Errorf("no snapshot named %q (and it is not a time such as 2026-11-30 or 2026-11-30T02:00:00Z)", sel)
	}
	for i := len(infos) - 1; i >= 0; i-- {
		if !infos[i].Time.After(until) {
			return infos[i], nil
		}
	}
	return Info{}, fmt.Errorf("no snapshot taken at or before %s (the first is %s, %s)",
		sel, infos[0].Name, infos[0].Time.Format(time.RFC3339))
}

// Missing lists the distinct blobs of m's resources the store lacks.
func (s *Store) Missing(m *Manifest) []string {
	seen := map[string]bool{}
	var missing []string
	for _, e := range m.Resources {
		if seen[e.Hash] {
			continue
		}
		seen[e.Hash] = true
		if !s.Has(e.Hash) {
			missing = append(missing, e.Hash)
		}
	}
	return missing
}
