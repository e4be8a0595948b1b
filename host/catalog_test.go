package host

import "testing"

// TestResolveOpaqueSchemes follows rule 4 of the location order: an
// endpoint claims SCHEME:REST without "//"; one-letter schemes, unclaimed
// schemes and SCHEME:// stay with the other rules.
func TestResolveOpaqueSchemes(t *testing.T) {
	c := &catalog{entries: []entry{
		{plugin: "http", Component: Component{Kind: KindEndpoint, Name: "http", Schemes: []string{"http", "https"}}},
		{plugin: "snap", Component: Component{Kind: KindEndpoint, Name: "snapshot", OpaqueSchemes: []string{"snapshot"}}},
		{plugin: "c", Component: Component{Kind: KindEndpoint, Name: "drive", OpaqueSchemes: []string{"c"}}},
		{plugin: "yamlfile", Component: Component{Kind: KindEndpoint, Name: "yamlfile", PathPatterns: []string{"*.yaml"}}},
		{plugin: "dir", Component: Component{Kind: KindEndpoint, Name: "dir", Directories: true}},
	}}
	tmp := t.TempDir()
	for location, want := range map[string]string{
		"snapshot:./backups":                    "snapshot",
		"snapshot:" + tmp + "@2026-11-30":       "snapshot",
		"SNAPSHOT:./backups":                    "snapshot", // schemes are case-insensitive
		"snapshot:http://127.0.0.1:8080/b@last": "snapshot", // an opaque REST may hold a URL
		"snapshot:all.yaml":                     "snapshot", // before path patterns
		"http://127.0.0.1/api/":                 "http",
		"c:data":                                "dir", // one letter: a Windows drive, never a scheme
		"other:thing":                           "dir", // unclaimed scheme: still a path
		"./snapshot:b":                          "dir", // the way to name such a path
		"notes:all.yaml":                        "yamlfile",
	} {
		got, err := c.resolve(location)
		if err != nil {
			t.Errorf("resolve(%q): %v", location, err)
			continue
		}
		if got.entry.Name != want || got.location != location {
			t.Errorf("resolve(%q) = %s %q, want %s", location, got.entry.Name, got.location, want)
		}
	}
	if _, err := c.resolve("snapshot://x"); err == nil {
		t.Error("snapshot://x resolved, though no endpoint claims snapshot as a // scheme")
	}
}
