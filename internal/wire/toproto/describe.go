package toproto

import (
	"fmt"
	"reflect"

	"github.com/resource-sync/resource-sync/internal/batch"
	"github.com/resource-sync/resource-sync/internal/optdecl"
	"github.com/resource-sync/resource-sync/sdk"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// Describe_Response is what p answers to the host's Describe call; a host
// that embeds a plugin uses it to know the plugin without starting it.
// An invalid options declaration is a bug in the plugin, found by its
// first test: it panics saying what is wrong.
func Describe_Response(p sdk.Plugin) *pb.Describe_Response {
	resp := &pb.Describe_Response{
		Name:            p.Name,
		Version:         p.Version,
		ProtocolVersion: sdk.ProtocolVersion,
		Limits:          &pb.Limits{MaxMessageBytes: batch.MaxMessageBytes, MaxBatchItems: batch.MaxItems},
	}
	for _, e := range p.Endpoints {
		resp.Components = append(resp.Components, EndpointComponent(e))
	}
	for _, f := range p.Formatters {
		resp.Components = append(resp.Components, &pb.Component{
			Kind: pb.Component_KIND_FORMATTER, Name: f.Name, Summary: f.Summary,
			Extensions: f.Extensions, MediaTypes: f.MediaTypes,
		})
	}
	for _, s := range p.Schemas {
		resp.Components = append(resp.Components, &pb.Component{
			Kind: pb.Component_KIND_SCHEMA, Name: s.Name, Summary: s.Summary, PageLinks: s.PageLinks,
		})
	}
	return resp
}

// EndpointComponent describes an endpoint kind.
func EndpointComponent(e sdk.EndpointSpec) *pb.Component {
	decls, err := optdecl.Decls(e.Options)
	if err != nil {
		panic(fmt.Sprintf("endpoint %s: %v", e.Name, err))
	}
	return &pb.Component{
		Kind: pb.Component_KIND_ENDPOINT, Name: e.Name, Summary: e.Summary,
		Schemes: e.Schemes, PathPatterns: e.PathPatterns, Directories: e.Directories,
		DefaultFormat: e.DefaultFormat,
		OpaqueSchemes: e.OpaqueSchemes,
		Capabilities:  Capabilities(e),
		Options:       OptionDecls(decls),
	}
}

// Capabilities are derived from the interfaces the endpoint type
// implements, so a declaration cannot drift from the code, and from the
// spec's flags. A writer built with this SDK reports every item before
// it waits for the next, staging it if need be (see pluginserver), so the
// host may hold items back until their parents are reported; one that
// writes concurrently reports as it goes already.
func Capabilities(e sdk.EndpointSpec) []pb.Capability {
	var caps []pb.Capability
	impl := e.Implements
	if impl == nil || reflect.ValueOf(impl).Kind() == reflect.Invalid {
		return caps
	}
	if _, ok := impl.(sdk.Reader); ok {
		caps = append(caps, pb.Capability_CAPABILITY_READ)
	}
	if _, ok := impl.(sdk.Fetcher); ok {
		caps = append(caps, pb.Capability_CAPABILITY_FETCH)
	}
	_, writer := impl.(sdk.Writer)
	if writer {
		caps = append(caps, pb.Capability_CAPABILITY_WRITE)
	}
	if _, ok := impl.(sdk.Deleter); ok {
		caps = append(caps, pb.Capability_CAPABILITY_DELETE)
	}
	if _, ok := impl.(sdk.Inventorier); ok {
		caps = append(caps, pb.Capability_CAPABILITY_INVENTORY)
	}
	if _, ok := impl.(sdk.InventoryExtender); ok {
		caps = append(caps, pb.Capability_CAPABILITY_INVENTORY_MORE)
	}
	if _, ok := impl.(sdk.VersionLister); ok {
		caps = append(caps, pb.Capability_CAPABILITY_FINGERPRINTS)
	}
	if e.CompareBeforeWrite {
		caps = append(caps, pb.Capability_CAPABILITY_COMPARE_BEFORE_WRITE)
	}
	if e.Replaces {
		caps = append(caps, pb.Capability_CAPABILITY_REPLACE)
	}
	if e.ConcurrentWrites {
		caps = append(caps, pb.Capability_CAPABILITY_CONCURRENT_WRITES)
	}
	if writer && e.ContentWrites {
		caps = append(caps, pb.Capability_CAPABILITY_CONTENT_WRITES)
	}
	if writer && !e.ConcurrentWrites {
		caps = append(caps, pb.Capability_CAPABILITY_STAGED_WRITES)
	}
	if writer && e.HoldsCommits {
		caps = append(caps, pb.Capability_CAPABILITY_HOLDS_COMMITS)
	}
	if e.ConditionalReads {
		caps = append(caps, pb.Capability_CAPABILITY_CONDITIONAL_READ)
		if _, ok := impl.(sdk.MemoRestorer); ok {
			caps = append(caps, pb.Capability_CAPABILITY_READ_MEMOS)
		}
	}
	if e.ConditionalWrite {
		caps = append(caps, pb.Capability_CAPABILITY_CONDITIONAL_WRITE)
	}
	if _, ok := impl.(sdk.Changer); ok {
		caps = append(caps, pb.Capability_CAPABILITY_CHANGES)
	}
	return caps
}

// OptionDecls declares an endpoint's options.
func OptionDecls(in []optdecl.Decl) []*pb.OptionDecl {
	if len(in) == 0 {
		return nil
	}
	out := make([]*pb.OptionDecl, len(in))
	for i, d := range in {
		out[i] = OptionDecl(d)
	}
	return out
}

// OptionDecl declares one option.
func OptionDecl(in optdecl.Decl) *pb.OptionDecl {
	return &pb.OptionDecl{
		Name:         in.Name,
		Help:         in.Help,
		Type:         OptionDecl_Type(in.Type),
		DefaultValue: in.Default,
		Secret:       in.Secret,
		Credential:   in.Credential,
		Env:          in.Env,
		Min:          in.Min,
	}
}

// OptionDecl_Type is how an option's value is read.
func OptionDecl_Type(in optdecl.Type) pb.OptionDecl_Type {
	switch in {
	case optdecl.Int:
		return pb.OptionDecl_TYPE_INT
	case optdecl.Bool:
		return pb.OptionDecl_TYPE_BOOL
	case optdecl.Duration:
		return pb.OptionDecl_TYPE_DURATION
	case optdecl.List:
		return pb.OptionDecl_TYPE_LIST
	case optdecl.Float:
		return pb.OptionDecl_TYPE_FLOAT
	case optdecl.String:
	}
	return pb.OptionDecl_TYPE_STRING_UNSPECIFIED
}
