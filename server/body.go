package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/resource-sync/resource-sync/sdk"
)

// readObject reads a request body of at most MaxBodyBytes as JSON, or as
// YAML when a YAML formatter is configured, and returns it decoded with
// json.Number numbers. The body must be one object.
func (s *Server) readObject(w http.ResponseWriter, r *http.Request) (map[string]any, error) {
	limit := s.opts.MaxBodyBytes
	if r.ContentLength > limit {
		return nil, &httpError{http.StatusRequestEntityTooLarge,
			fmt.Sprintf("request body is %d bytes; the limit is %d", r.ContentLength, limit)}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, &httpError{http.StatusRequestEntityTooLarge,
			fmt.Sprintf("request body exceeds the limit of %d bytes", limit)}
	case err != nil:
		return nil, badRequest(fmt.Errorf("reading the request body: %v", err))
	case len(bytes.TrimSpace(data)) == 0:
		return nil, badRequest(errors.New("empty request body; send one JSON object"))
	}
	canon, err := s.decodeBody(r.Header.Get("Content-Type"), data)
	if err != nil {
		return nil, err
	}
	v, err := sdk.UnmarshalJSON(canon)
	if err != nil {
		return nil, badRequest(err)
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, badRequest(errors.New("request body must be a JSON object"))
	}
	return doc, nil
}

// decodeBody turns the body into canonical JSON by its Content-Type. A
// missing Content-Type means JSON.
func (s *Server) decodeBody(contentType string, data []byte) ([]byte, error) {
	mediaType := ""
	if contentType != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil {
			return nil, &httpError{http.StatusUnsupportedMediaType, fmt.Sprintf("bad Content-Type %q: %v", contentType, err)}
		}
		mediaType = mt
	}
	switch {
	case mediaType == "" || sdk.IsJSONMediaType(mediaType):
		canon, err := sdk.CanonicalJSON(data)
		if err != nil {
			return nil, badRequest(fmt.Errorf("request body is not valid JSON: %s", describeJSONError(data, err)))
		}
		return canon, nil
	case isYAMLType(mediaType) && s.yaml != nil:
		values, err := s.yaml.Decode(sdk.Document{Content: data, MediaType: mediaType, Extension: ".yaml", Source: "request body"})
		if err != nil {
			return nil, badRequest(fmt.Errorf("request body is not valid YAML: %v", err))
		}
		if len(values) != 1 {
			return nil, badRequest(fmt.Errorf("request body holds %d YAML documents; send one", len(values)))
		}
		return values[0].JSON, nil
	}
	accepted := "application/json, application/hal+json or another +json type"
	if s.yaml != nil {
		accepted += ", or application/yaml"
	}
	return nil, &httpError{http.StatusUnsupportedMediaType,
		fmt.Sprintf("unsupported Content-Type %q; send %s", mediaType, accepted)}
}

func isYAMLType(mt string) bool {
	switch mt {
	case "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/vnd.yaml":
		return true
	}
	return strings.HasSuffix(mt, "+yaml")
}

// describeJSONError adds the line and column of a syntax error, which
// encoding/json reports only as a byte offset.
func describeJSONError(data []byte, err error) string {
	var syntax *json.SyntaxError
	if !errors.As(err, &syntax) {
		return err.Error()
	}
	at := min(max(int(syntax.Offset)-1, 0), len(data)) // the offending byte
	before := data[:at]
	line := bytes.Count(before, []byte("\n")) + 1
	col := at - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, column %d: %v", line, col, err)
}
