package sdk

import (
	"context"
	"errors"
	"iter"
	"strconv"
	"strings"

	"github.com/resource-sync/resource-sync/internal/wire"
)

// EndpointSpec registers an endpoint kind in a [Plugin].
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
	// ConditionalReads says Read and Fetch honour
	// OpenRequest.ConditionalReads, yielding documents unchanged since the
	// endpoint last yielded them as Document.Unchanged (HTTP: 304 Not
	// Modified to a conditional GET).
	ConditionalReads bool
	// ConditionalWrite says the endpoint does conditional writes: it sets
	// Document.ETag where it knows one, honours WriteItem.IfMatch and
	// IfNoneMatch and Resource.ETag on Delete, and answers
	// PreconditionFailed (Delete: ErrPreconditionFailed) rather than
	// overwrite a resource that changed since the host read it.
	ConditionalWrite bool
	// ContentWrites says Write uses each item's Content and its
	// Resource's identity (Type, ID, URI, Parents, Source, Line), never
	// Resource.JSON: the host then sends items without it, which spares a
	// copy of every body. The conformance kit writes such an endpoint's
	// items without it too.
	ContentWrites bool
	// HoldsCommits says that Write, which may commit in parts while items
	// still arrive, commits nothing before CommitsReleased(ctx) is closed.
	// The host then sends items while it is still encoding later ones,
	// instead of encoding every one first, and a resource that cannot be
	// encoded still stops the sync before anything lands. Into a
	// destination that holds nothing yet, it may send them while it still
	// reads the origin, and cancel the write if the plan turns out to be
	// otherwise. A Write that commits only after its last item holds its
	// commits already and may declare it as it is.
	HoldsCommits bool
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
	// ConditionalReads, sent only to endpoints whose spec declares
	// ConditionalReads, says the host keeps what it made of each document
	// from one Read to the next (resource-sync watch): a document this
	// endpoint yielded before, unchanged since, may be yielded as
	// Document{URI, Source, MediaType, TypeHint, Unchanged: true}.
	ConditionalReads bool
	// PageLinks are where a page of the schema in use names its next page
	// (SchemaSpec.PageLinks), as RFC 6901 JSON pointers to a uri. An
	// endpoint that pages by itself, as it follows Link rel="next"
	// headers, may follow these too unless Follow is FollowNone; the host
	// still asks for the links the schema finds, and an endpoint skips
	// what it fetched already. A hint: ignoring it is correct, only slower.
	PageLinks []string
}

// Endpoint is an open location. It implements some of [Reader], [Fetcher],
// [Writer] and [Deleter].
type Endpoint interface {
	// Close is called once the host is done with the endpoint, after its
	// Write calls returned: a cancelled Write may take its time to undo
	// what it staged, and the host waits for it.
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

// InventoryExtender is an Inventorier whose inventory can come in parts:
// the host then starts listing the destination with the first resources
// the origins yield, while it reads the rest, instead of after the whole
// read.
type InventoryExtender interface {
	Inventorier
	// ExtendInventory adds scope to the last Inventory call on this
	// handle: it yields what the endpoint holds of scope that the parts
	// before did not list (for HTTP: the collections not listed yet). The
	// host keeps what the earlier parts yielded. Yielding a document again
	// is allowed, only slower.
	ExtendInventory(ctx context.Context, scope []Resource) iter.Seq2[Document, error]
}

// VersionLister is a Reader that can tell which of its documents changed
// without reading them (capability fingerprints). The host keeps, from one
// run to the next, what it made of each document at its version (of each
// SingleValue document: others are read every time); a sync
// then reads again only the documents whose version changed, so that
// re-syncing into a directory of 100,000 unchanged files reads none of
// them.
type VersionLister interface {
	Reader
	// Versions yields every document Read would, with Location, Source,
	// Extension or MediaType, TypeHint and Version set and no Content.
	// Read sets Version too.
	//
	// A version must change whenever the document's bytes may have
	// changed. When a change could go unseen (a file modified within its
	// file system's timestamp granularity), leave Version empty: the host
	// then reads the document every time.
	Versions(ctx context.Context) iter.Seq2[Document, error]
	// ReadLocations yields the documents at these locations (from
	// Versions) as Read would; one gone since is left out. Problems are
	// yielded as in Read.
	ReadLocations(ctx context.Context, locations []string) iter.Seq2[Document, error]
}

// MemoRestorer is an endpoint whose conditional reads outlive a sync
// (capability read-memos; its spec declares ConditionalReads too). Under
// OpenRequest.ConditionalReads it sets Document.Memo; the host keeps the
// memos with what it made of each document, and hands them back before
// the next sync lists the endpoint as a destination. An unchanged page of
// an API is then a 304, with nothing to decode or classify.
type MemoRestorer interface {
	Inventorier
	// RestoreMemos is called before the first Inventory on a handle, with
	// the memos the host kept. Inventory, and the Fetch calls after it,
	// may then yield those documents Unchanged. A memo the endpoint cannot
	// use is ignored: the document is read whole.
	RestoreMemos(memos []Memo)
}

// Fetcher fetches documents by uri, for link following.
type Fetcher interface {
	Fetch(ctx context.Context, uris []string) iter.Seq2[Document, error]
}

// Writer creates or replaces resources.
type Writer interface {
	// Write pulls items in the host's order (parents first) and calls
	// report once per item, from any goroutine: Written once it is in
	// place, Unchanged, Failed with the reason, PreconditionFailed when its
	// IfMatch or IfNoneMatch did not hold, or Staged when it lands with the
	// commit. The host holds an item back until its parents are
	// reported and never sends the descendants of a failed one. When
	// Write asks for the next item while it holds unreported ones and
	// none is waiting, the SDK reports those Staged (unless the endpoint
	// declares ConcurrentWrites); an item Write never reports fails.
	// After the last item Write commits (an atomic replace, removing stale
	// content under Replace) and returns; a commit error fails every item
	// not reported otherwise.
	Write(ctx context.Context, items iter.Seq[WriteItem], report func(WriteResult)) (WriteSummary, error)
}

// CommitsReleased returns a channel that is closed once Write may make
// what it staged visible: until then a Writer declaring
// EndpointSpec.HoldsCommits commits nothing. It is closed from the start
// unless the host holds the write's commits, which it does while it is
// still encoding items, or reading them; the end of the items releases
// them too. A write cancelled before the release must leave the
// destination as it was, down to not creating it.
func CommitsReleased(ctx context.Context) <-chan struct{} {
	if c, ok := wire.CommitsReleased(ctx); ok {
		return c
	}
	return released
}

// released is the channel of a write whose commits are not held.
var released = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// Recommender is an endpoint that tells the host how to treat what it
// holds; the host asks right after Open. An adapter endpoint recommends
// the schema that knows its API's ids and references.
type Recommender interface {
	Recommend() Recommendation
}

// Recommendation is what an endpoint tells the host about its location.
type Recommendation struct {
	// Schema is the schema its documents need: the host uses it for the
	// whole sync unless the user named one. An endpoint recommending a
	// schema must not depend on OpenRequest.Schema, which names the
	// schema the host had in mind before asking.
	Schema string
	// SchemaOptions go to that schema with this endpoint's values (see
	// [SchemaWithOptions]), and with the values of endpoints that give
	// none, such as a directory synced with this endpoint.
	SchemaOptions map[string]string
	// Ignore are fields the server manages (timestamps, versions): the
	// host leaves them out of comparisons, as --ignore TYPE:POINTER.
	Ignore []FieldRule
	// Secrets are fields holding secrets, as --secret TYPE:POINTER=ENV.
	Secrets []FieldRule
	// Service says the endpoint is a service reached through a location
	// without "//" (adapter:./acme.yaml): secret fields reach it in
	// clear, as they reach an http:// location, not as placeholders.
	Service bool
	// JSONBodies says Write sends an item whose media type is JSON
	// (IsJSONMediaType) as its Resource.JSON (a request body built from
	// it), never as its Content: the host then leaves Content empty in
	// such items and does not encode them, which spares a formatter call
	// and two copies of every body. It needs a Writer that is not
	// ContentWrites.
	JSONBodies bool
}

// IsJSONMediaType says whether a media type is JSON, as
// Recommendation.JSONBodies means it: application/json, text/json or any
// +json type, whatever its parameters and case.
func IsJSONMediaType(mediaType string) bool {
	mt := strings.ToLower(strings.TrimSpace(strings.SplitN(mediaType, ";", 2)[0]))
	return mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json")
}

// FieldRule names a field of the resources of Type ("*" for every type)
// by RFC 6901 JSON pointer; Env names a secret's variable, a template
// with {type}, {id} and {field} (empty: {type}_{id}_{field}).
type FieldRule struct {
	Type    string
	Pointer string
	Env     string
}

// Deleter removes resources.
type Deleter interface {
	// Delete removes resources. Under ConditionalWrite, a resource whose
	// ETag is set and no longer matches is kept and the error wraps
	// ErrPreconditionFailed.
	Delete(ctx context.Context, resources []Resource) error
}

// ErrPreconditionFailed is wrapped by the error of a conditional Delete
// whose resource changed since the host read it.
var ErrPreconditionFailed = errors.New("precondition failed: the resource changed since it was read")

// Changer offers a transaction log: what changed since a cursor, so that a
// host that read the endpoint before reads only that.
type Changer interface {
	Changes(ctx context.Context, req ChangesRequest) (ChangeFeed, error)
}

// ChangesRequest asks for the changes since a cursor.
type ChangesRequest struct {
	// Since is a cursor from an earlier ChangeFeed; empty for the whole
	// log.
	Since string
	// CursorOnly asks for the current cursor and no changes.
	CursorOnly bool
}

// ChangeFeed is the answer to a ChangesRequest.
type ChangeFeed struct {
	Changes []Change
	// Cursor is where the next request starts.
	Cursor string
	// Unavailable, when set, says why there is no feed at this location
	// (the server offers none, or no longer holds the log since that
	// cursor): the host reads everything instead.
	Unavailable string
}

// Change is one entry of a transaction log.
type Change struct {
	ID   string
	Type string
	// URI is where the resource is fetched.
	URI string
	// Updated is when it changed, RFC 3339.
	Updated string
	// Fingerprint is the endpoint's hash of the content.
	Fingerprint string
	// ETag is the resource's ETag after the change, when known.
	ETag    string
	Deleted bool
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
	// IfMatch (an ETag) and IfNoneMatch (create only) are preconditions,
	// set only for an endpoint declaring ConditionalWrite: when one does
	// not hold, nothing is written and the result is PreconditionFailed.
	IfMatch     string
	IfNoneMatch bool
}

// WriteStatus is the outcome of one write.
type WriteStatus int

const (
	Written WriteStatus = iota + 1
	Unchanged
	Failed
	// PreconditionFailed: the item's IfMatch or IfNoneMatch did not hold
	// (the resource changed since the host read it); nothing was written.
	PreconditionFailed
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
	case PreconditionFailed:
		return "precondition failed"
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
	// ETag is the resource's ETag after the write, when known.
	ETag string
	// URI is where the resource was written (or would have been), for a
	// host that reads it back after a PreconditionFailed.
	URI string
}

// WriteSummary is what committing did beyond the items.
type WriteSummary struct {
	// Removed counts stale resources removed under Replace.
	Removed int
}
