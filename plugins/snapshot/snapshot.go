// Package snapshot is the snapshot endpoint: content-addressed,
// deduplicated backups of resources (see docs/snapshots.md).
//
//	snapshot:DIR                 write: a new snapshot; read: the latest
//	snapshot:DIR@NAME            write: a new snapshot named NAME; read: that one
//	snapshot:DIR@TIME            read: the latest taken at or before TIME
//	                             (RFC 3339, or a date: up to the end of that UTC day)
//	snapshot:http://HOST/PATH    the same, in a store served by
//	                             `resource-sync serve --snapshots DIR`
//
// Writing stores each resource's canonical JSON once under its SHA-256
// and then one manifest; reading yields exactly the resources of one
// snapshot, as JSON documents, so the host orders a restore.
package snapshot

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/resource-sync/resource-sync/plugins/snapshot/store"
	"github.com/resource-sync/resource-sync/sdk"
)

// Scheme is the opaque scheme the endpoint claims: snapshot:DIR.
const Scheme = "snapshot"

// Options are the snapshot endpoint's options (--partial, --to-token...).
type Options struct {
	// Partial lets a restore read an incomplete snapshot: the resources
	// whose content is missing are left out, with a warning.
	Partial bool `option:"partial" help:"restore from an incomplete snapshot, leaving out the resources whose content is missing"`
	// Concurrency bounds the blobs moved at once with a remote store.
	Concurrency int `option:"snapshot-concurrency" default:"8" min:"1" help:"blobs moved at once with a snapshot server"`
	// Token is sent to a snapshot server (serve --token).
	Token string `option:"snapshot-token,secret,credential" env:"RESOURCE_SYNC_SNAPSHOT_TOKEN" help:"bearer token of a snapshot server"`
}

// EnvToken is where the token of a snapshot server is read from when no
// option gives it.
const EnvToken = "RESOURCE_SYNC_SNAPSHOT_TOKEN"

// Spec registers the endpoint for snapshot:... locations.
func Spec() sdk.EndpointSpec {
	return sdk.EndpointSpec{
		Name:          "snapshot",
		Summary:       "deduplicated snapshots of resources in a directory or a snapshot server",
		OpaqueSchemes: []string{Scheme},
		DefaultFormat: "json",
		Options:       (*Options)(nil),
		Open:          Open,
		Implements:    (*Endpoint)(nil),
	}
}

// Plugin is the plugin binary's offer: just this endpoint.
func Plugin() sdk.Plugin {
	return sdk.Plugin{Name: "snapshot", Version: "1.0.0", Endpoints: []sdk.EndpointSpec{Spec()}}
}

var (
	_ sdk.Reader = (*Endpoint)(nil)
	_ sdk.Writer = (*Endpoint)(nil)
)

// Endpoint is an open snapshot location.
type Endpoint struct {
	loc  Location
	req  sdk.OpenRequest
	opts Options
	// One of local and remote is set.
	local  *store.Store
	remote *remote
	// Reading: the snapshot chosen at Open, and the blobs it lacks.
	manifest *store.Manifest
	missing  map[string]bool
}

// Location is a parsed snapshot:... location.
type Location struct {
	// Store is a directory, or the base URL of a snapshot server.
	Store  string
	Remote bool
	// Select is what followed '@': a snapshot name or a time; empty for
	// the latest (reading) or a generated name (writing).
	Select string
}

// ParseLocation splits "snapshot:STORE[@SELECT]". The '@' counts only
// after the last '/', so "snapshot:./a@b/" is the directory a@b.
func ParseLocation(location string) (Location, error) {
	scheme, rest, ok := strings.Cut(location, ":")
	if !ok || !strings.EqualFold(scheme, Scheme) {
		return Location{}, fmt.Errorf("%s: not a snapshot location (want snapshot:DIR or snapshot:http://HOST/PATH)", location)
	}
	var loc Location
	if at := strings.LastIndex(rest, "@"); at >= 0 && at > strings.LastIndex(rest, "/") {
		rest, loc.Select = rest[:at], rest[at+1:]
		if loc.Select == "" {
			return Location{}, fmt.Errorf("%s: nothing after '@' (want a snapshot name or a time such as 2026-11-30)", location)
		}
	}
	if rest == "" {
		return Location{}, fmt.Errorf("%s: no store named (want snapshot:DIR or snapshot:http://HOST/PATH)", location)
	}
	lower := strings.ToLower(rest)
	loc.Remote = strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://")
	loc.Store = rest
	return loc, nil
}

// Open checks the location: for reading, it picks the snapshot and
// refuses an incomplete one unless the partial option is set; for
// writing, it checks the name is free and the store can be made.
func Open(ctx context.Context, req sdk.OpenRequest) (sdk.Endpoint, error) {
	loc, err := ParseLocation(req.Location)
	if err != nil {
		return nil, err
	}
	e := &Endpoint{loc: loc, req: req}
	if err := req.DecodeOptions(&e.opts); err != nil {
		return nil, err
	}
	if e.opts.Token == "" {
		e.opts.Token = os.Getenv(EnvToken) // the host does this too; a test's OpenRequest does not
	}
	if loc.Remote {
		if e.remote, err = newRemote(loc.Store, e.opts.Token, e.opts.Concurrency); err != nil {
			return nil, err
		}
	}
	if req.Role == sdk.RoleDestination {
		return e, e.openDestination(ctx)
	}
	return e, e.openOrigin(ctx)
}

func (e *Endpoint) openDestination(ctx context.Context) error {
	if e.loc.Select != "" && !store.ValidName(e.loc.Select) {
		return fmt.Errorf("%s: invalid snapshot name %q: use letters, digits, '.', '_' and '-' (a time selects a snapshot only to read)",
			e.req.Location, e.loc.Select)
	}
	if e.remote != nil {
		return nil // the server refuses a taken name when the manifest arrives
	}
	s, err := store.Open(e.loc.Store)
	switch {
	case err == nil:
		e.local = s
		if e.loc.Select != "" {
			infos, _ := s.List()
			for _, in := range infos {
				if in.Name == e.loc.Select {
					return fmt.Errorf("%s: a snapshot named %s exists; name another, or leave the name out to get one from the time", e.req.Location, in.Name)
				}
			}
		}
		return nil
	case !errors.Is(err, store.ErrNotStore):
		return err
	}
	// No store yet: Write makes one. Its parent must exist, as for a
	// directory destination, and a directory of other files is refused.
	abs, aerr := filepath.Abs(e.loc.Store)
	if aerr != nil {
		return aerr
	}
	if info, serr := os.Stat(filepath.Dir(abs)); serr != nil || !info.IsDir() {
		return fmt.Errorf("%s: cannot create the snapshot store: %s does not exist", e.req.Location, filepath.Dir(abs))
	}
	if entries, rerr := os.ReadDir(e.loc.Store); rerr == nil && len(entries) > 0 {
		return fmt.Errorf("%s: %s is not a snapshot store and not empty; name a new or empty directory", e.req.Location, e.loc.Store)
	}
	return nil
}

func (e *Endpoint) openOrigin(ctx context.Context) error {
	var infos []store.Info
	var err error
	if e.remote != nil {
		infos, err = e.remote.list(ctx)
	} else {
		if e.local, err = store.Open(e.loc.Store); err != nil {
			return err
		}
		infos, err = e.local.List()
		if len(infos) == 0 && err != nil {
			return err
		}
	}
	if err != nil {
		return err
	}
	chosen, err := store.Resolve(infos, e.loc.Select)
	if err != nil {
		return fmt.Errorf("%s: %v", e.req.Location, err)
	}
	var missing []string
	if e.remote != nil {
		e.manifest, missing, err = e.remote.manifest(ctx, chosen.Name)
	} else if e.manifest, err = e.local.Load(chosen.Name); err == nil {
		missing = e.local.Missing(e.manifest)
	}
	if err != nil {
		return err
	}
	e.missing = map[string]bool{}
	for _, h := range missing {
		e.missing[h] = true
	}
	if len(missing) > 0 && !e.opts.Partial {
		lacking := 0
		for _, r := range e.manifest.Resources {
			if e.missing[r.Hash] {
				lacking++
			}
		}
		return fmt.Errorf("%s: snapshot %s is incomplete: the content of %d of its %d resources is missing "+
			"(an upload cut short, or damage: `resource-sync snapshot verify` names it); "+
			"choose another snapshot, or restore what is there with --partial",
			e.req.Location, chosen.Name, lacking, len(e.manifest.Resources))
	}
	return nil
}

// Close has nothing to release: files are opened only while in use.
func (e *Endpoint) Close() error { return nil }

// source names a resource of the snapshot read, in messages.
func (e *Endpoint) source(r store.Entry) string {
	return fmt.Sprintf("%s@%s: %s", e.loc.Store, e.manifest.Name, r.Key())
}
