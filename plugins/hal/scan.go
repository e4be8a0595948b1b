package hal

// Classify reads only what it needs of a page: the id, _links, items and
// _embedded of each document. The page is made canonical once (a no-op
// rewrite for the canonical JSON formatters hand over), then walked as
// bytes; every other field is skipped without being decoded, and each
// resource's body is its slice of the canonical page, which is canonical
// JSON itself. Nothing is decoded into maps and marshalled back.

// object is the bytes of one canonical JSON object, "{...}".
type object []byte

// valueEnd returns where the canonical JSON value starting at data[pos]
// ends: no whitespace to skip, and the value is known to be valid.
func valueEnd(data []byte, pos int) int {
	switch data[pos] {
	case '"':
		return stringEnd(data, pos)
	case '{', '[':
		depth := 0
		for i := pos; i < len(data); i++ {
			switch data[i] {
			case '"':
				i = stringEnd(data, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return len(data)
	}
	i := pos
	for i < len(data) && data[i] != ',' && data[i] != '}' && data[i] != ']' {
		i++
	}
	return i
}

// stringEnd returns the offset just after the string starting at data[pos].
func stringEnd(data []byte, pos int) int {
	for i := pos + 1; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(data)
}

// field returns the value of the member whose key is exactly the quoted
// key (`"id"`), or nil. Canonical objects hold each key once.
func (o object) field(quotedKey string) []byte {
	pos := 1
	for pos < len(o) && o[pos] == '"' {
		keyEnd := stringEnd(o, pos)
		valStart := keyEnd + 1 // past ':'
		valEnd := valueEnd(o, valStart)
		if string(o[pos:keyEnd]) == quotedKey {
			return o[valStart:valEnd]
		}
		if valEnd >= len(o) || o[valEnd] != ',' {
			return nil
		}
		pos = valEnd + 1
	}
	return nil
}

// elements returns the values of the canonical JSON array list.
func elements(list []byte) [][]byte {
	var out [][]byte
	for pos := 1; pos < len(list) && list[pos] != ']'; {
		end := valueEnd(list, pos)
		out = append(out, list[pos:end])
		pos = end + 1 // past ',' or to the closing ']'
	}
	return out
}

// isNull reports a missing or null value, which HAL documents use alike.
func isNull(v []byte) bool {
	return v == nil || string(v) == "null"
}

// kind names the JSON type of a value for messages, as schemautil.Kind.
func kind(v []byte) string {
	switch v[0] {
	case '{':
		return "a mapping"
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}
