package sdk

import "strings"

// validUTF8 keeps user-facing strings valid for protobuf, which refuses
// invalid UTF-8 in string fields.
func validUTF8(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
