package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/resource-sync/resource-sync/host"
)

const sample = `# environments for the tests
environments:
  prod:
    location: https://api.example.com/v1/
    token: ${env:PROD_TOKEN}
    header:
      - "X-Org: 1"
      - "X-Trace: on"
    rate: 2.5
    insecure: false
  local:
    location: ./data
    schema: simple
`

func TestParse(t *testing.T) {
	f, err := Parse("rs.yaml", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*Environment{
		"prod": {Name: "prod", Location: "https://api.example.com/v1/", Line: 3,
			Options: map[string]string{"token": "${env:PROD_TOKEN}", "header": "X-Org: 1\nX-Trace: on", "rate": "2.5", "insecure": "false"},
			Lists:   map[string]bool{"header": true},
			Lines:   map[string]int{"location": 4, "token": 5, "header": 6, "rate": 9, "insecure": 10}},
		"local": {Name: "local", Location: "./data", Schema: "simple", Line: 11,
			Options: map[string]string{}, Lists: map[string]bool{},
			Lines: map[string]int{"location": 12, "schema": 13}},
	}
	if diff := cmp.Diff(want, f.Environments); diff != "" {
		t.Errorf("environments (-want +got):\n%s", diff)
	}
	if got := f.Names(); !cmp.Equal(got, []string{"local", "prod"}) {
		t.Errorf("Names() = %v", got)
	}
}

func TestParseErrors(t *testing.T) {
	for name, tc := range map[string]struct{ in, want string }{
		"unknown top-level key": {"environments: {}\nenvironmets: {}\n", `rs.yaml:2: unknown key "environmets" (want environments or secrets)`},
		"not a mapping":         {"- a\n", "rs.yaml:1: the config file must be a mapping"},
		"no location":           {"environments:\n  prod:\n    token: x\n", "rs.yaml:2: environment prod has no location"},
		"one-letter name":       {"environments:\n  c:\n    location: x\n", `rs.yaml:2: environment "c": names have two characters at least (c: is a drive letter)`},
		"bad name":              {"environments:\n  pr od:\n    location: x\n", `rs.yaml:2: environment "pr od": use letters, digits`},
		"a key twice":           {"environments:\n  prod:\n    location: x\n    location: y\n", "rs.yaml:4: environment prod: location is given twice"},
		"a mapping as a value":  {"environments:\n  prod:\n    location: x\n    header: {a: b}\n", "rs.yaml:4: environment prod: header: want a value"},
		"an empty value":        {"environments:\n  prod:\n    location: x\n    token:\n", "rs.yaml:4: environment prod: token: want a value"},
		"two documents":         {"environments: {}\n---\nenvironments: {}\n", "rs.yaml:3: one YAML document expected"},
		"bad YAML":              {"environments: [\n", "rs.yaml:1: did not find expected node content"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("rs.yaml", []byte(tc.in))
			if err == nil || !startsWith(err.Error(), tc.want) {
				t.Errorf("error %v, want one starting %q", err, tc.want)
			}
		})
	}
	for _, empty := range []string{"", "# nothing\n", "~\n"} {
		if f, err := Parse("rs.yaml", []byte(empty)); err != nil || len(f.Environments) != 0 {
			t.Errorf("Parse(%q) = %v, %v", empty, f, err)
		}
	}
}

func startsWith(s, prefix string) bool { return len(s) >= len(prefix) && s[:len(prefix)] == prefix }

func TestExpand(t *testing.T) {
	f, err := Parse("rs.yaml", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	for arg, want := range map[string]host.Location{
		"prod:":           {Name: "prod:", Spec: "https://api.example.com/v1/", Options: f.Environments["prod"].Options},
		"prod:customers/": {Name: "prod:customers/", Spec: "https://api.example.com/v1/customers/", Options: f.Environments["prod"].Options},
		"prod:/a?b=1":     {Name: "prod:/a?b=1", Spec: "https://api.example.com/v1/a?b=1", Options: f.Environments["prod"].Options},
		"local:orders":    {Name: "local:orders", Spec: filepath.Join("data", "orders"), Options: map[string]string{}},
		"staging:":        host.At("staging:"),
		"./prod:":         host.At("./prod:"),
		"https://x/":      host.At("https://x/"),
		"c:/data":         host.At("c:/data"),
	} {
		got, env := f.Expand(arg)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Expand(%q) (-want +got):\n%s", arg, diff)
		}
		if (env != nil) != (want.Name != want.Spec) {
			t.Errorf("Expand(%q): environment %v", arg, env)
		}
	}
	// The environment's map is not shared: routing adds to the copy.
	loc, _ := f.Expand("prod:")
	loc.Options["limit"] = "1"
	if _, ok := f.Environments["prod"].Options["limit"]; ok {
		t.Error("Expand shares the environment's options")
	}
}

func TestCheck(t *testing.T) {
	f, err := Parse("rs.yaml", []byte(sample+"  bad:\n    location: x\n    tokn: t\n    limit: ten\n"))
	if err != nil {
		t.Fatal(err)
	}
	decls := []host.OptionDecl{
		{Name: "token", Type: host.OptionString, Secret: true},
		{Name: "header", Type: host.OptionList},
		{Name: "rate", Type: host.OptionFloat, Min: "0"},
		{Name: "insecure", Type: host.OptionBool},
		{Name: "limit", Type: host.OptionInt},
	}
	if err := f.Check(f.Environments["prod"], "http endpoint", decls); err != nil {
		t.Errorf("prod: %v", err)
	}
	err = f.Check(f.Environments["bad"], "http endpoint", decls)
	want := `rs.yaml:16: environment bad: unknown key "tokn" (want location, schema or an option http endpoint takes: header, insecure, limit, rate, token)`
	if err == nil || err.Error() != want {
		t.Errorf("bad: %v\nwant %s", err, want)
	}
	delete(f.Environments["bad"].Options, "tokn")
	err = f.Check(f.Environments["bad"], "http endpoint", decls)
	if want := `rs.yaml:17: environment bad: limit: "ten" is not a whole number`; err == nil || err.Error() != want {
		t.Errorf("bad: %v\nwant %s", err, want)
	}
	err = f.Check(f.Environments["prod"], "dir endpoint", nil)
	if want := `rs.yaml:5: environment prod: unknown key "token" (want location or schema; dir endpoint takes no options)`; err == nil || err.Error() != want {
		t.Errorf("prod as a directory: %v\nwant %s", err, want)
	}
	list := &Environment{Name: "l", Options: map[string]string{"token": "a\nb"}, Lists: map[string]bool{"token": true}, Lines: map[string]int{"token": 3}}
	if err := f.Check(list, "http endpoint", decls); err == nil || err.Error() != "rs.yaml:3: environment l: token takes one value, not a list" {
		t.Errorf("a list for a string: %v", err)
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	user := filepath.Join(dir, "user")
	t.Setenv("RESOURCE_SYNC_CONFIG_DIR", user)
	if got, err := Find(""); err != nil || got != "" {
		t.Errorf("no file: %q, %v", got, err)
	}
	if err := os.MkdirAll(user, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(user, UserFileName))
	if got, _ := Find(""); got != filepath.Join(user, UserFileName) {
		t.Errorf("user file: %q", got)
	}
	write(t, FileName)
	if got, _ := Find(""); got != FileName {
		t.Errorf("working directory first: %q", got)
	}
	if got, _ := Find(filepath.Join(user, UserFileName)); got != filepath.Join(user, UserFileName) {
		t.Errorf("--config: %q", got)
	}
	if _, err := Find("missing.yaml"); err == nil {
		t.Error("a missing --config file is no error")
	}
}

func write(t *testing.T, path string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("environments: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}
