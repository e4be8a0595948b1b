package snapshot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/resource-sync/resource-sync/plugins/snapshot/store"
)

// remote is a snapshot store behind `resource-sync serve --snapshots`.
type remote struct {
	base        *url.URL // ends in '/'
	token       string
	client      *http.Client
	concurrency int
}

// defaultConcurrency is the number of blobs moved at once.
const defaultConcurrency = 8

func newRemote(base, token string, concurrency int) (*remote, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%s: not a URL of a snapshot server", base)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%s: credentials do not belong in the URL; give --snapshot-token '${env:VARIABLE}' or set $%s", u.Redacted(), EnvToken)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	r := &remote{base: u, token: token, concurrency: defaultConcurrency,
		client: &http.Client{Timeout: 5 * time.Minute}}
	if concurrency > 0 {
		r.concurrency = concurrency
	}
	return r, nil
}

func (r *remote) url(path string) string {
	return r.base.ResolveReference(&url.URL{Path: path}).String()
}

// do sends a request and decodes a JSON answer into out (unless nil);
// any status but 200 and 201 is an error quoting the server's message.
func (r *remote) do(ctx context.Context, method, path string, body []byte, contentType string, out any) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.url(path), rd)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, req.URL.Redacted(), err)
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		msg := strings.TrimSpace(string(data))
		if len(msg) > 300 {
			msg = msg[:300] + "..."
		}
		return nil, fmt.Errorf("%s %s: %s: %s", method, req.URL.Redacted(), resp.Status, msg)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return nil, fmt.Errorf("%s %s: not a snapshot server's answer: %v", method, req.URL.Redacted(), err)
		}
	}
	return data, nil
}

func (r *remote) list(ctx context.Context) ([]store.Info, error) {
	var l store.Listing
	if _, err := r.do(ctx, http.MethodGet, "manifests", nil, "", &l); err != nil {
		return nil, err
	}
	infos := make([]store.Info, len(l.Manifests))
	for i, st := range l.Manifests {
		infos[i] = st.Info
	}
	return infos, nil
}

func (r *remote) manifest(ctx context.Context, name string) (*store.Manifest, []string, error) {
	var m store.Remote
	if _, err := r.do(ctx, http.MethodGet, "manifests/name/"+url.PathEscape(name), nil, "", &m); err != nil {
		return nil, nil, err
	}
	return &m.Manifest, m.Missing, nil
}

// blob fetches a blob and checks it hashes to its name.
func (r *remote) blob(ctx context.Context, hash string) ([]byte, error) {
	data, err := r.do(ctx, http.MethodGet, "files/"+hash, nil, "", nil)
	if err != nil {
		return nil, err
	}
	if got := store.Hash(data); got != hash {
		return nil, fmt.Errorf("blob %s from %s hashes to %s: damaged on the server or on the way", hash, r.base.Redacted(), got)
	}
	return data, nil
}

func (r *remote) post(ctx context.Context, m *store.Manifest) (store.Uploaded, error) {
	var up store.Uploaded
	body, err := json.Marshal(m)
	if err != nil {
		return up, err
	}
	_, err = r.do(ctx, http.MethodPost, "manifests", body, "application/json", &up)
	return up, err
}

func (r *remote) put(ctx context.Context, hash string, data []byte) error {
	_, err := r.do(ctx, http.MethodPut, "files/"+hash, data, "application/octet-stream", nil)
	return err
}
