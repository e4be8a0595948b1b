package host

// Location is an endpoint as the user named it, with the options given for
// it alone. A sync opens each endpoint with its own Options and nothing
// else: credentials given for one endpoint never reach another.
type Location struct {
	// Name is what the user typed ("prod:", "./data"), for messages.
	Name string
	// Spec is what resolves to an endpoint ("https://api.example.com/v1/",
	// "./data").
	Spec string
	// Options are for this endpoint only, by declared option name.
	Options map[string]string
}

// At is the Location of spec as typed, without options.
func At(spec string) Location { return Location{Name: spec, Spec: spec} }

// String is the location as the user named it.
func (l Location) String() string {
	if l.Name != "" {
		return l.Name
	}
	return l.Spec
}
