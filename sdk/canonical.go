package sdk

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// CanonicalJSON rewrites one JSON value in the form resources travel in:
// object keys sorted, no insignificant whitespace, HTML characters not
// escaped, and numbers exactly as written (1e20 stays 1e20, integers keep
// every digit). Two values are equal exactly when their canonical forms are.
func CanonicalJSON(data []byte) ([]byte, error) {
	v, err := UnmarshalJSON(data)
	if err != nil {
		return nil, err
	}
	return MarshalCanonical(v)
}

// MarshalCanonical encodes v (made of maps, slices, strings, bools, nil,
// json.Number and Go numbers) as canonical JSON.
func MarshalCanonical(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON decodes exactly one JSON value into maps, slices and
// json.Number, so numbers keep their exact text.
func UnmarshalJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}
