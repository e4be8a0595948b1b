package sdk

import "strconv"

// Document is what an endpoint holds, still in its own format: a file's
// bytes, an HTTP response body.
type Document struct {
	Content []byte
	// MediaType without parameters, when the endpoint knows it (HTTP).
	MediaType string
	// Extension with the dot, when the document is a file (".yaml").
	Extension string
	// Source names where the document came from in messages: a path or uri.
	Source string
	// URI the document was fetched from; the base for relative links.
	URI string
	// TypeHint is a type implied by where the document sits (the dir
	// layout's type directory, an HTTP collection), for schemas whose
	// resources carry no type of their own.
	TypeHint string
	// Location is endpoint-specific (a path relative to a directory). The
	// host hands it back in WriteItem.ExistingLocation.
	Location string
	// Unchanged, only under OpenRequest.ConditionalReads, says the document
	// is the same as when this endpoint last yielded it: Content is empty,
	// URI, Source, MediaType and TypeHint are as they were, and the host
	// reuses what it made of it then.
	Unchanged bool
	// ETag identifies this version of the document, for an endpoint that
	// does conditional writes (EndpointSpec.ConditionalWrite): HTTP's ETag
	// of a GET that answered this one document.
	ETag string
	// SingleValue says the endpoint's layout holds exactly one value in
	// this document (a file of the directory layout): the host refuses a
	// document that decodes to none or to several.
	SingleValue bool
	// Version, from an endpoint that lists versions ([VersionLister]),
	// changes whenever the document's bytes may have changed: a file's
	// device, inode, size, modification and change times; an ETag. Empty
	// when the endpoint cannot tell yet.
	Version string
	// Memo, from an endpoint that restores memos ([MemoRestorer]) under
	// OpenRequest.ConditionalReads, is what it needs to read the document
	// conditionally in a later sync (HTTP: the page's validators and next
	// links). The host keeps it, opaque, with what it made of the
	// document, and hands it back by URI. Set it on Unchanged documents
	// too; leave it empty for a document that must be read whole next
	// time. The host stores it in the user's cache: no credentials.
	Memo []byte
}

// Memo is a document's [Document.Memo], handed back with the URI the
// document had.
type Memo struct {
	URI  string
	Memo []byte
}

// Value is one decoded document as canonical JSON (see [CanonicalJSON]),
// with the context of the document it came from.
type Value struct {
	JSON     []byte
	Source   string
	Line     int
	URI      string
	TypeHint string
	Location string
}

// Resource is a value a schema has classified. See [Schema] for what each
// field must hold.
type Resource struct {
	// ID and Type name the resource: together they are unique within a
	// sync, and each must be usable as a file name and a url path segment
	// (valid UTF-8, at most 250 bytes, no '/', '\' or control characters,
	// not starting with a dot).
	ID   string
	Type string
	// URI is where the resource lives, absolute when it was fetched; ""
	// when it has none (a file of a schema without uris).
	URI string
	// Parents are the uris of resources this one depends on; the host
	// writes parents first. They are matched against other resources' URI
	// after normalization (scheme and host lower-cased, query parameters
	// sorted, fragment and trailing slash dropped), else by path alone.
	Parents []string
	// ParentRefs name the resources this one depends on by type and id,
	// for schemas whose resources carry no uris.
	ParentRefs []Ref
	// JSON is the resource's canonical JSON.
	JSON     []byte
	Source   string
	Line     int
	Location string
	// ETag is what the host knows of the resource's ETag on the endpoint
	// it is sent to; a conditional Delete removes it only while that holds.
	ETag string
}

// Ref names a resource by type and id.
type Ref struct {
	Type string
	ID   string
}

func (r Ref) String() string { return r.Type + "/" + r.ID }

// Error is a problem with one piece of input, meant for the user. It
// crosses the plugin boundary with its source and line intact; any other
// error from a component becomes an Error without a line.
type Error struct {
	// Source is a file path or uri; Line is 1-based, 0 when unknown.
	Source string
	Line   int
	Msg    string
	// Warning marks a problem that does not fail the read it came from
	// (a link to another host that was skipped); the host shows it.
	Warning bool
	// Incomplete says the read may have missed resources because of this
	// problem (a page that was not fetched): the host then refuses to
	// delete anything at a destination on the strength of that read.
	Incomplete bool
}

func (e *Error) Error() string {
	switch {
	case e.Source != "" && e.Line > 0:
		return e.Source + ":" + strconv.Itoa(e.Line) + ": " + e.Msg
	case e.Source != "":
		return e.Source + ": " + e.Msg
	}
	return e.Msg
}
