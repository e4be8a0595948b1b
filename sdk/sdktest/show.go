package sdktest

import "fmt"

// shown bounds how much of a document or value a failure prints.
const shown = 400

// clip shortens b for a failure message.
func clip(b []byte) string {
	if len(b) <= shown {
		return string(b)
	}
	return fmt.Sprintf("%s… (%d bytes in all)", b[:shown], len(b))
}

// diff shows got and want, or for long ones where they part.
func diff(got, want []byte) string {
	if len(got) <= shown && len(want) <= shown {
		return fmt.Sprintf(" got: %s\nwant: %s", got, want)
	}
	at := 0
	for at < len(got) && at < len(want) && got[at] == want[at] {
		at++
	}
	from := max(0, at-40)
	return fmt.Sprintf(" got %d bytes, want %d; they differ from byte %d:\n got: …%s\nwant: …%s",
		len(got), len(want), at, clip(got[from:min(len(got), at+80)]), clip(want[from:min(len(want), at+80)]))
}
