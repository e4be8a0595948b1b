package host

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// catalog indexes the components of every plugin found.
type catalog struct {
	entries []entry
	search  []string
	// unusable are the plugins that could not be described (a pin
	// mismatch, a crash at start-up), by name.
	unusable map[string]error
}

// entry is one component and the plugin that offers it.
type entry struct {
	plugin string
	Component
}

func (h *Host) catalog(ctx context.Context) *catalog {
	c := &catalog{search: h.searchPath, unusable: map[string]error{}}
	for _, d := range h.Describe(ctx) {
		if d.Err != nil {
			h.logger.Debug("plugin unusable", "plugin", d.Source.Name, "error", d.Err)
			c.unusable[d.Source.Name] = d.Err
			continue
		}
		for _, comp := range d.Manifest.Components {
			c.entries = append(c.entries, entry{plugin: d.Source.Name, Component: comp})
		}
	}
	return c
}

// usable fails when a plugin that was found cannot be used (it does not
// start, or its pin does not match): a sync without it would silently
// skip what it handles, such as the files of a format.
func (c *catalog) usable() error {
	names := make([]string, 0, len(c.unusable))
	for n := range c.unusable {
		names = append(names, n)
	}
	sort.Strings(names)
	switch len(names) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("%w\nnothing was synced: fix or remove that plugin", c.unusable[names[0]])
	}
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "\n  %v", c.unusable[n])
	}
	return fmt.Errorf("%d plugins cannot be used (%s); nothing was synced: fix or remove them:%s",
		len(names), strings.Join(names, ", "), b.String())
}

func (c *catalog) find(kind Kind, match func(Component) bool) (entry, bool) {
	for _, e := range c.entries {
		if e.Kind == kind && match(e.Component) {
			return e, true
		}
	}
	return entry{}, false
}

func (c *catalog) names(kind Kind) string {
	var names []string
	for _, e := range c.entries {
		if e.Kind == kind {
			names = append(names, e.Name)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// standaloneSchemas names the schemas of plugins that serve no endpoint:
// those a user may pick for any origin. A schema that comes with an
// endpoint (an adapter's) is the one that endpoint recommends.
func (c *catalog) standaloneSchemas() []string {
	withEndpoint := map[string]bool{}
	for _, e := range c.entries {
		if e.Kind == KindEndpoint {
			withEndpoint[e.plugin] = true
		}
	}
	var names []string
	for _, e := range c.entries {
		if e.Kind == KindSchema && !withEndpoint[e.plugin] {
			names = append(names, e.Name)
		}
	}
	sort.Strings(names)
	return names
}

func (c *catalog) formatter(name string) (entry, error) {
	e, ok := c.find(KindFormatter, func(comp Component) bool { return comp.Name == name })
	if err := c.unusable[name]; !ok && err != nil {
		return entry{}, err // the plugin of that name is there but refused or broken
	}
	if !ok {
		return entry{}, usageErrorf("unknown format %q; formats found: %s (plugins searched in %s)",
			name, c.names(KindFormatter), searched(c.search))
	}
	return e, nil
}

func (c *catalog) schema(name string) (entry, error) {
	e, ok := c.find(KindSchema, func(comp Component) bool { return comp.Name == name })
	if err := c.unusable[name]; !ok && err != nil {
		return entry{}, err
	}
	if !ok {
		return entry{}, usageErrorf("unknown schema %q; schemas found: %s (plugins searched in %s)",
			name, c.names(KindSchema), searched(c.search))
	}
	return e, nil
}

// baseMediaType is mediaType lower-cased, without parameters.
func baseMediaType(mediaType string) string {
	return strings.ToLower(strings.TrimSpace(strings.SplitN(mediaType, ";", 2)[0]))
}

// formatterFor picks the formatter for a document: by media type (without
// parameters; any +json type falls back to application/json), else by
// file extension.
func (c *catalog) formatterFor(mediaType, ext string) (entry, bool) {
	if mediaType != "" {
		mt := baseMediaType(mediaType)
		if e, ok := c.find(KindFormatter, func(comp Component) bool { return contains(comp.MediaTypes, mt) }); ok {
			return e, true
		}
		if strings.HasSuffix(mt, "+json") {
			return c.find(KindFormatter, func(comp Component) bool { return contains(comp.MediaTypes, "application/json") })
		}
		if ext == "" {
			return entry{}, false
		}
	}
	ext = strings.ToLower(ext)
	return c.find(KindFormatter, func(comp Component) bool { return contains(comp.Extensions, ext) })
}

// formatInfos lists every formatter, the one written first.
func (c *catalog) formatInfos(write string) []*pb.FormatInfo {
	var out []*pb.FormatInfo
	for _, e := range c.entries {
		if e.Kind != KindFormatter {
			continue
		}
		fi := &pb.FormatInfo{Name: e.Name, Extensions: e.Extensions, MediaTypes: e.MediaTypes}
		if e.Name == write {
			out = append([]*pb.FormatInfo{fi}, out...)
		} else {
			out = append(out, fi)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// endpointKind is how the host reaches an endpoint.
type endpointKind int

const (
	endpointPlugin endpointKind = iota
	endpointStdio
	endpointNull
)

// target is a resolved endpoint string.
type target struct {
	kind     endpointKind
	location string
	entry    entry    // for endpointPlugin
	loc      Location // as the sync was given it, with its own options
}

// resolve classifies an endpoint string in the original tool's order: "-",
// null, a scheme some plugin claims (SCHEME://, then the opaque SCHEME:REST),
// a path pattern some plugin claims, a directory whose parent exists.
func (c *catalog) resolve(location string) (target, error) {
	switch location {
	case "-":
		return target{kind: endpointStdio, location: location}, nil
	case "null", os.DevNull:
		return target{kind: endpointNull, location: location}, nil
	}
	if scheme, _, ok := strings.Cut(location, "://"); ok && validScheme(scheme) {
		scheme = strings.ToLower(scheme)
		e, ok := c.find(KindEndpoint, func(comp Component) bool { return contains(comp.Schemes, scheme) })
		if !ok {
			return target{}, usageErrorf("no plugin handles %s:// endpoints like %s (plugins searched in %s)",
				scheme, location, searched(c.search))
		}
		return target{kind: endpointPlugin, location: location, entry: e}, nil
	}
	if e, ok := c.opaque(location); ok {
		return target{kind: endpointPlugin, location: location, entry: e}, nil
	}
	base := strings.ToLower(filepath.Base(location))
	if e, ok := c.find(KindEndpoint, func(comp Component) bool {
		for _, p := range comp.PathPatterns {
			if m, _ := filepath.Match(strings.ToLower(p), base); m {
				return true
			}
		}
		return false
	}); ok {
		return target{kind: endpointPlugin, location: location, entry: e}, nil
	}
	if e, ok := c.find(KindEndpoint, func(comp Component) bool { return comp.Directories }); ok {
		abs, err := filepath.Abs(location)
		if err == nil {
			if info, err := os.Stat(filepath.Dir(abs)); err == nil && info.IsDir() {
				return target{kind: endpointPlugin, location: location, entry: e}, nil
			}
		}
	}
	return target{}, usageErrorf("Unsupported endpoint format: %s", location)
}

// opaque finds the endpoint claiming location's scheme as an opaque one
// ("snapshot:./backups"). One-letter schemes never match, so a Windows
// drive ("C:\\data") stays a path; an unclaimed scheme falls through to
// the path rules, so "./a:b" and "a:b" keep naming files.
func (c *catalog) opaque(location string) (entry, bool) {
	scheme, _, ok := strings.Cut(location, ":")
	if !ok || len(scheme) < 2 || !validScheme(scheme) {
		return entry{}, false
	}
	return c.find(KindEndpoint, func(comp Component) bool { return contains(comp.OpaqueSchemes, scheme) })
}

func validScheme(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.'):
		default:
			return false
		}
	}
	return true
}
