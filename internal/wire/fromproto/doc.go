// Package fromproto converts the protocol's generated types into the
// SDK's Go types. Each converter is named after the type it returns and
// gives the zero value for nil; enums are converted value by value, and a
// value this side does not know becomes the type's documented default.
package fromproto
