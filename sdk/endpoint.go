package sdk

import (
	"context"
	"iter"
	"strconv"
)

// EndpointSpec registers an endpoint kind with [Serve].
//
// The host picks the endpoint for a location string in this order: "-" and
// "null" are its own; then a location "SCHEME://..." goes to the endpoint
// claiming SCHEME in Schemes; then "SCHEME:REST" to the endpoint claiming
// SCHEME in OpaqueSchemes; then the first PathPatterns match; then an
// endpoint with Directories takes any other path whose parent directory
// exists.
type EndpointSpec struct {
	Name    string
	Summary string
	// Schemes claimed, without "://" ("http", "acme").
	Schemes []string
	// OpaqueSchemes are schemes claimed as "SCHEME:REST" without "//"
	// ("snapshot:./backups"). One-letter schemes never match: "C:\data"
	// stays a path.
	OpaqueSchemes []string
	// Glob patterns matched against the location ("*.yaml").
	PathPatterns []string
	// Directories claims plain directory paths.
	Directories bool
	// DefaultFormat is written when the user names no format ("json" for
	// an HTTP API); empty means the host's default.
	DefaultFormat string
	// CompareBeforeWrite asks the host to read the destination first and
	// mark resources it already holds as unchanged (cheap for local files).
	CompareBeforeWrite bool
	// Replaces says Write honours OpenRequest.Replace (--rm): after the
	// last item it removes what was not written. The host refuses --rm
	// for endpoints that do not.
	Replaces bool
	// ConcurrentWrites says Write works on several items at once and
	// reports them in any order, as each finishes; the SDK then never
	// reports Staged on its behalf.
	ConcurrentWrites bool
	// Open opens a location. The endpoint it returns implements any of
	// Reader, Fetcher, Writer and Deleter.
	Open func(ctx context.Context, req OpenRequest) (Endpoint, error)
	// Implements is a nil value of the type Open returns, e.g.
	// (*dir.Endpoint)(nil): the SDK declares to the host the capabilities
	// of the interfaces that type implements, so they cannot drift apart.
	Implements Endpoint
	// Options is a nil pointer to the endpoint's options struct, e.g.
	// (*acme.Options)(nil), whose field tags declare the options Open
	// takes (see [OpenRequest.DecodeOptions]). The host checks what users
	// give against them and sends only declared keys. Nil: no options.
	Options any
}

// Role says whether a location is read from or written to.
type Role int

const (
	RoleOrigin Role = iota
	RoleDestination
)

// FormatInfo describes an installed formatter.
type FormatInfo struct {
	Name       string
	Extensions []string
	MediaTypes []string
}

// OpenRequest is what the host knows when it opens a location.
type OpenRequest struct {
	// Location is what the user typed.
	Location string
	Role     Role
	// Replace asks that the destination end up holding exactly what is
	// written (--rm); stale content goes only after every write succeeded.
	Replace bool
	// Formats lists every installed formatter; the first one is what the
	// host writes with.
	Formats []FormatInfo
	// Options are those given for this endpoint, by declared name; decode
	// them with DecodeOptions.
	Options map[string]string
	// Schema is the name of the schema in use.
	Schema string
	// Follow says which links the host follows: an endpoint that pages by
	// itself (HTTP Link headers) stops at the first page under FollowNone.
	Follow Follow
	// Origins are the sync's origins as the user named them, and Filters
	// the patterns that scoped it, for a destination that records where
	// its content came from (a snapshot).
	Origins []string
	Filters []string
}

// Endpoint is an open location. It implements some of [Reader], [Fetcher],
// [Writer] and [Deleter].
type Endpoint interface {
	Close() error
}

// Reader lists everything an endpoint holds.
type Reader interface {
	// Read yields every document. A per-document problem (an unreadable
	// file) is yielded as an *Error with a zero Document and reading goes
	// on; any other error ends the read.
	Read(ctx context.Context) iter.Seq2[Document, error]
}

// Inventorier lists what a destination holds of the resources about to be
// written, so the host can plan creates, updates and deletes against it.
// An endpoint that can simply be read whole (a directory) does not need
// it; an HTTP API, whose location is a root and not a listing, does.
type Inventorier interface {
	// Inventory yields the endpoint's documents of the types in scope
	// (for HTTP: the first page of each collection the scope's resources
	// live in; the host follows page links with Fetch). Problems are
	// yielded as in Read; a resource that does not exist is simply absent.
	Inventory(ctx context.Context, scope []Resource) iter.Seq2[Document, error]
}

// Fetcher fetches documents by uri, for link following.
type Fetcher interface {
	Fetch(ctx context.Context, uris []string) iter.Seq2[Document, error]
}

// Writer creates or replaces resources.
type Writer interface {
	// Write pulls items in the host's order (parents first) and calls
	// report once per item, from any goroutine: Written once it is in
	// place, Unchanged, Failed with the reason, or Staged when it lands
	// with the commit. The host holds an item back until its parents are
	// reported and never sends the descendants of a failed one. When
	// Write asks for the next item while it holds unreported ones and
	// none is waiting, the SDK reports those Staged (unless the endpoint
	// declares ConcurrentWrites); an item Write never reports fails.
	// After the last item Write commits (an atomic replace, removing stale
	// content under Replace) and returns; a commit error fails every item
	// not reported otherwise.
	Write(ctx context.Context, items iter.Seq[WriteItem], report func(WriteResult)) (WriteSummary, error)
}

// Deleter removes resources.
type Deleter interface {
	Delete(ctx context.Context, resources []Resource) error
}

// WriteItem is one resource to write.
type WriteItem struct {
	Seq      int64
	Resource Resource
	// Content is the resource in the destination's format.
	Content   []byte
	Extension string
	MediaType string
	// Unchanged says the destination already holds exactly this resource
	// at ExistingLocation; write nothing if it would land there.
	Unchanged        bool
	ExistingLocation string
}

// WriteStatus is the outcome of one write.
type WriteStatus int

const (
	Written WriteStatus = iota + 1
	Unchanged
	Failed
	// Staged says the endpoint accepted the item and it lands when Write
	// returns without an error (the commit). The host releases its
	// children as for Written. Report Written, Unchanged or Failed for it
	// later only to say more; without that, a Write that returns nil makes
	// it written and one that fails makes it failed.
	Staged
)

func (s WriteStatus) String() string {
	switch s {
	case Written:
		return "written"
	case Unchanged:
		return "unchanged"
	case Failed:
		return "failed"
	case Staged:
		return "staged"
	}
	return "WriteStatus(" + strconv.Itoa(int(s)) + ")"
}

// WriteResult reports one item; Err is set when Status is Failed.
type WriteResult struct {
	Seq    int64
	Status WriteStatus
	Err    error
}

// WriteSummary is what committing did beyond the items.
type WriteSummary struct {
	// Removed counts stale resources removed under Replace.
	Removed int
}
