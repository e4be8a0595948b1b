package sdk

// Schema derives each value's identity and links.
type Schema interface {
	// Classify returns the resources in v (v itself when it has an id, then
	// its embedded resources) and the absolute uris to follow under mode.
	// It must not modify v.JSON. A resource's JSON may be a slice of it,
	// as canonical JSON's members are: the SDK then sends the host only
	// where it lies, not its bytes.
	Classify(v Value, mode Follow) (Classified, error)
}

// SchemaWithOptions is a Schema that takes options: those the endpoint
// a value came from recommended with the schema ([Recommendation]). The
// SDK calls ClassifyWithOptions instead of Classify, with nil options
// when no endpoint gave any.
type SchemaWithOptions interface {
	Schema
	ClassifyWithOptions(v Value, mode Follow, options map[string]string) (Classified, error)
}

// Classified is what a schema found in one value.
type Classified struct {
	Resources []Resource
	Links     []string
	// Aliases are uris naming the value itself (a page's self link); the
	// host counts them as fetched.
	Aliases []string
}

// Follow says which links a schema returns for the host to fetch.
type Follow int

const (
	FollowPage  Follow = iota // next and prev (the default)
	FollowNone                // nothing
	FollowChild               // next, prev and child:* relations
	FollowAll                 // every relation
)

func (f Follow) String() string {
	switch f {
	case FollowNone:
		return "none"
	case FollowChild:
		return "child"
	case FollowAll:
		return "all"
	}
	return "page"
}

// SchemaSpec registers a schema in a [Plugin].
type SchemaSpec struct {
	Name    string
	Summary string
	Schema  Schema
	// PageLinks are where a page of this schema's documents names its next
	// page, as RFC 6901 JSON pointers to a uri ("/_links/next/href" for
	// HAL). The host hands them to the endpoints it opens
	// (OpenRequest.PageLinks), so that an API's pages are fetched one after
	// the other instead of each waiting for the last to be classified.
	// Classify still reports those links.
	PageLinks []string
}
