// Package toproto converts the SDK's Go types into the protocol's
// generated types. Each converter is named after the type it returns;
// enums are converted value by value, and a value the protocol does not
// know becomes its UNSPECIFIED value, which the receiving side refuses or
// reads as the documented default. User-facing strings are made valid
// UTF-8 on the way: protobuf refuses anything else.
package toproto

import "strings"

// validUTF8 replaces invalid UTF-8 so a message can always cross the
// wire.
func validUTF8(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
