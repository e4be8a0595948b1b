package host

import (
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// Manifest is what a plugin offers, as its Describe call answers.
type Manifest struct {
	Name            string      `json:"name"`
	Version         string      `json:"version"`
	ProtocolVersion int         `json:"protocol_version"`
	Components      []Component `json:"components"`
}

// Kind of component.
type Kind string

const (
	KindEndpoint  Kind = "endpoint"
	KindSchema    Kind = "schema"
	KindFormatter Kind = "formatter"
)

// Component is one endpoint, schema or formatter a plugin offers.
type Component struct {
	Kind          Kind     `json:"kind"`
	Name          string   `json:"name"`
	Summary       string   `json:"summary,omitempty"`
	Schemes       []string `json:"schemes,omitempty"`
	OpaqueSchemes []string `json:"opaque_schemes,omitempty"`
	PathPatterns  []string `json:"path_patterns,omitempty"`
	Directories   bool     `json:"directories,omitempty"`
	DefaultFormat string   `json:"default_format,omitempty"`
	Extensions    []string `json:"extensions,omitempty"`
	MediaTypes    []string `json:"media_types,omitempty"`
	Capabilities  []string `json:"capabilities,omitempty"`
	// Options an endpoint takes.
	Options []OptionDecl `json:"options,omitempty"`
	// Where a schema's pages name their next page (JSON pointers).
	PageLinks []string `json:"page_links,omitempty"`
}

// Has reports whether the component declares capability c ("read",
// "write", ...).
func (c Component) Has(capability string) bool {
	for _, have := range c.Capabilities {
		if have == capability {
			return true
		}
	}
	return false
}

// Capability names, as `plugins list` shows them.
const (
	CapRead               = "read"
	CapFetch              = "fetch"
	CapWrite              = "write"
	CapDelete             = "delete"
	CapCompareBeforeWrite = "compare-before-write"
	CapConcurrentWrites   = "concurrent-writes"
	CapConditionalWrite   = "conditional-write"
	CapFingerprints       = "fingerprints"
	CapReplace            = "replace"
	CapInventory          = "inventory"
	CapConditionalRead    = "conditional-read"
	CapChanges            = "changes"
	CapStagedWrites       = "staged-writes"
	CapInventoryMore      = "inventory-more"
	CapReadMemos          = "read-memos"
	CapContentWrites      = "content-writes"
	CapHoldsCommits       = "holds-commits"
)

var capabilityNames = map[pb.Capability]string{
	pb.Capability_CAPABILITY_READ:                 CapRead,
	pb.Capability_CAPABILITY_FETCH:                CapFetch,
	pb.Capability_CAPABILITY_WRITE:                CapWrite,
	pb.Capability_CAPABILITY_DELETE:               CapDelete,
	pb.Capability_CAPABILITY_COMPARE_BEFORE_WRITE: CapCompareBeforeWrite,
	pb.Capability_CAPABILITY_CONCURRENT_WRITES:    CapConcurrentWrites,
	pb.Capability_CAPABILITY_CONDITIONAL_WRITE:    CapConditionalWrite,
	pb.Capability_CAPABILITY_FINGERPRINTS:         CapFingerprints,
	pb.Capability_CAPABILITY_REPLACE:              CapReplace,
	pb.Capability_CAPABILITY_INVENTORY:            CapInventory,
	pb.Capability_CAPABILITY_CONDITIONAL_READ:     CapConditionalRead,
	pb.Capability_CAPABILITY_CHANGES:              CapChanges,
	pb.Capability_CAPABILITY_STAGED_WRITES:        CapStagedWrites,
	pb.Capability_CAPABILITY_INVENTORY_MORE:       CapInventoryMore,
	pb.Capability_CAPABILITY_READ_MEMOS:           CapReadMemos,
	pb.Capability_CAPABILITY_CONTENT_WRITES:       CapContentWrites,
	pb.Capability_CAPABILITY_HOLDS_COMMITS:        CapHoldsCommits,
}

var kindNames = map[pb.Component_Kind]Kind{
	pb.Component_KIND_ENDPOINT:  KindEndpoint,
	pb.Component_KIND_SCHEMA:    KindSchema,
	pb.Component_KIND_FORMATTER: KindFormatter,
}

// ManifestFromProto converts a Describe answer. Unknown kinds and
// capabilities, from a newer plugin, are dropped.
func ManifestFromProto(d *pb.Describe_Response) Manifest {
	m := Manifest{Name: d.GetName(), Version: d.GetVersion(), ProtocolVersion: int(d.GetProtocolVersion())}
	for _, c := range d.GetComponents() {
		kind, ok := kindNames[c.GetKind()]
		if !ok {
			continue
		}
		comp := Component{
			Kind: kind, Name: c.GetName(), Summary: c.GetSummary(),
			Schemes: c.GetSchemes(), OpaqueSchemes: c.GetOpaqueSchemes(), PathPatterns: c.GetPathPatterns(), Directories: c.GetDirectories(),
			DefaultFormat: c.GetDefaultFormat(), Extensions: c.GetExtensions(), MediaTypes: c.GetMediaTypes(),
			PageLinks: c.GetPageLinks(),
		}
		for _, cp := range c.GetCapabilities() {
			if name, ok := capabilityNames[cp]; ok {
				comp.Capabilities = append(comp.Capabilities, name)
			}
		}
		comp.Options = optionDeclsFromProto(c.GetOptions())
		m.Components = append(m.Components, comp)
	}
	return m
}
