package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Secret fields of resources (issue 7): a pull writes a placeholder naming
// the variable, a push takes the value from the environment, and an API
// copied to another gets the value itself. The values live in servers'
// files and in the environment only.

const (
	dsPassword  = "ds-password-4be1f7"  // datasource/pg's, on server A
	dsPassword2 = "ds-password-90c2aa"  // given for the push
	userSecret  = "user-api-key-12f8d3" // user/ada's apiKey, on server A
)

// secretTree is a served tree whose resources hold secrets.
func secretTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"datasource/pg.yaml": `---
_links:
  self:
    href: http://localhost/api/v1/datasource/pg
id: pg
name: Postgres
secureJsonData:
  password: ` + dsPassword + `
`,
		"user/ada.yaml": `---
_links:
  self:
    href: http://localhost/api/v1/user/ada
apiKey: ` + userSecret + `
id: ada
`,
	})
	return dir
}

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, p, content)
	}
}

func TestSecretFields(t *testing.T) {
	t.Setenv("DS_PG_PASSWORD", "")
	os.Unsetenv("DS_PG_PASSWORD")
	a := newHeaderServer(t, secretTree(t))
	b := newHeaderServer(t, t.TempDir())
	work := t.TempDir()
	// datasource passwords by flag; the user's key in the config file.
	cfg := filepath.Join(work, "rs.yaml")
	writeFile(t, cfg, "secrets:\n  - type: user\n    field: /apiKey\n    env: USER_{id}_KEY\n")
	secretFlags := []string{"--config", cfg, "--secret", "datasource:/secureJsonData/password=DS_{id}_PASSWORD"}
	pulled := filepath.Join(work, "pulled")
	secrets := map[string]string{"datasource password": dsPassword, "user key": userSecret, "pushed password": dsPassword2}
	noSecrets := func(what, text string) {
		t.Helper()
		for name, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s shows the %s", what, name)
			}
		}
	}

	// Pull: placeholders in the files, nothing in the logs.
	r := mustRun(t, cat("-vv", secretFlags, "-a", a.url+"/api/", pulled)...)
	noSecrets("the pull's stderr", r.stderr)
	ds := readFile(t, filepath.Join(pulled, "datasource", "pg.yaml"))
	if !strings.Contains(ds, "password: ${env:DS_PG_PASSWORD}") {
		t.Errorf("datasource/pg.yaml holds no placeholder") // its content is not shown: it may be the secret
	}
	if user := readFile(t, filepath.Join(pulled, "user", "ada.yaml")); !strings.Contains(user, "apiKey: ${env:USER_ADA_KEY}") {
		t.Errorf("user/ada.yaml holds no placeholder")
	}
	walkFiles(t, pulled, noSecrets)

	// A second pull finds the files unchanged.
	r = mustRun(t, cat(secretFlags, "-a", a.url+"/api/", pulled)...)
	if !strings.Contains(r.stderr, "2 read: 0 created, 0 updated, 2 unchanged") {
		t.Errorf("second pull: %s", r.stderr)
	}

	// Push without the variables: an error naming the file, the field and
	// the variable, and nothing written.
	b.reset()
	r = runCLI(t, cat(secretFlags, pulled, b.url+"/")...)
	if r.code != 1 {
		t.Fatalf("push without the variables: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{
		"datasource/pg.yaml:1: datasource/pg, secret field /secureJsonData/password: environment variable DS_PG_PASSWORD is not set; nothing was written",
		"user/ada.yaml:1: user/ada, secret field /apiKey: environment variable USER_ADA_KEY is not set; nothing was written",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr %s\nwant it to hold %s", r.stderr, want)
		}
	}
	for _, req := range b.requests() {
		if req.method != "GET" {
			t.Errorf("%s %s reached B", req.method, req.path)
		}
	}

	// With them, the API gets the values; the logs do not.
	t.Setenv("DS_PG_PASSWORD", dsPassword2)
	t.Setenv("USER_ADA_KEY", userSecret)
	r = mustRun(t, cat("-vv", secretFlags, pulled, b.url+"/")...)
	noSecrets("the push's stderr", r.stderr)
	stored := readTreeText(t, b.dir)
	if !strings.Contains(stored, "password: "+dsPassword2) || !strings.Contains(stored, "apiKey: "+userSecret) {
		t.Errorf("B did not store the values from the environment") // not shown: they are secrets
	}

	// API to API: the value read from A is what B gets, no variable
	// needed; a dump to stdout shows placeholders.
	os.Unsetenv("DS_PG_PASSWORD")
	os.Unsetenv("USER_ADA_KEY")
	c := newHeaderServer(t, t.TempDir())
	r = mustRun(t, cat("-v", secretFlags, "-a", a.url+"/api/", c.url+"/")...)
	noSecrets("the copy's stderr", r.stderr)
	if stored := readTreeText(t, c.dir); !strings.Contains(stored, "password: "+dsPassword) {
		t.Errorf("C did not store the value read from A")
	}
	r = mustRun(t, cat(secretFlags, "-a", a.url+"/api/", "-")...)
	noSecrets("stdout", r.out)
	if !strings.Contains(r.out, "${env:DS_PG_PASSWORD}") {
		t.Errorf("stdout holds no placeholder")
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// readTreeText concatenates every file below dir.
func readTreeText(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	walkFiles(t, dir, func(_, text string) { b.WriteString(text) })
	return b.String()
}

func walkFiles(t *testing.T, dir string, fn func(path, text string)) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fn(p, readFile(t, p))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
