package sdk

// Formatter decodes documents into canonical JSON values and encodes values
// back. Implementations must round-trip every JSON value exactly: strings
// stay strings, integers keep every digit, keys come out sorted.
//
// A Formatter must be safe for concurrent use: the SDK decodes the
// documents of one batch at once (on up to GOMAXPROCS goroutines), and
// Decode and Encode are called concurrently from different streams.
type Formatter interface {
	// Decode returns every value in doc, in order (a YAML stream or a JSON
	// array holds several). Errors should be *Error with the line.
	Decode(doc Document) ([]Value, error)
	// Encode writes one value in the given style.
	Encode(v Value, style Style) ([]byte, error)
}

// Style is how an encoded value will be stored.
type Style int

const (
	// StyleFile is one resource per file, laid out for readable diffs.
	StyleFile Style = iota
	// StyleStream is one item of a stream (stdout, a multi-document file):
	// a JSON value on one line, or a YAML document starting with "---".
	StyleStream
)

// FormatterSpec registers a formatter in a [Plugin].
type FormatterSpec struct {
	// Name users select with --format ("yaml").
	Name    string
	Summary string
	// Extensions with the dot; the first is the one written.
	Extensions []string
	// MediaTypes without parameters; the first is the one sent.
	MediaTypes []string
	Formatter  Formatter
}
